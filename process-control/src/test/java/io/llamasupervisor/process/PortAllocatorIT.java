package io.llamasupervisor.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Real bind tests on the loopback interface. */
class PortAllocatorIT {

  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  @Test
  void concurrentAllocationsNeverShareAPort() throws Exception {
    PortAllocator ports = PortAllocator.defaultRange(LOOPBACK);
    int threads = 8;
    int each = 40;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<List<Integer>>> results = new ArrayList<>();
    try {
      for (int t = 0; t < threads; t++) {
        Callable<List<Integer>> task =
            () -> {
              go.await();
              List<Integer> mine = new ArrayList<>();
              for (int i = 0; i < each; i++) {
                mine.add(ports.allocate());
              }
              return mine;
            };
        results.add(pool.submit(task));
      }
      go.countDown();
      Set<Integer> all = new HashSet<>();
      int count = 0;
      for (Future<List<Integer>> f : results) {
        for (int port : f.get(10, TimeUnit.SECONDS)) {
          all.add(port);
          count++;
        }
      }
      assertEquals(threads * each, count);
      assertEquals(count, all.size(), "a port was handed out twice");
      assertEquals(all, ports.leased());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aPortHeldByAnotherProcessIsSkipped() throws Exception {
    try (ServerSocket held = new ServerSocket(0, 1, LOOPBACK)) {
      int port = held.getLocalPort();
      int first = port <= 65530 ? port : port - 5;
      PortAllocator ports = new PortAllocator(first, first + 5, LOOPBACK);
      List<Integer> got = new ArrayList<>();
      while (true) {
        try {
          got.add(ports.allocate());
        } catch (IllegalStateException exhausted) {
          break;
        }
      }
      assertFalse(got.contains(port), "handed out " + port + " held by a ServerSocket: " + got);
      assertThrows(IllegalStateException.class, ports::allocate);
    }
  }
}
