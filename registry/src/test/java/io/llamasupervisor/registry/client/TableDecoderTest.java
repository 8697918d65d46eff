package io.llamasupervisor.registry.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.llamasupervisor.registry.RoutingJson;
import io.llamasupervisor.registry.RoutingTable;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** A change that wakes many watches of one process is decoded once. */
class TableDecoderTest {
  private static byte[] body(long version) {
    RoutingTable t =
        new RoutingTable("e1", version, List.of(RegistryClientIT.model("qwen", 8081, version)));
    return RoutingJson.toBytes(t);
  }

  @Test
  void theSameBytesAreParsedOnceAndShareOneTable() throws Exception {
    TableDecoder decoder = new TableDecoder();
    RoutingTable first = decoder.decode(body(2));
    RoutingTable again = decoder.decode(body(2)); // another array with equal bytes

    assertSame(first, again);
    assertEquals(1, decoder.parses());
    assertEquals(2, first.version());
  }

  @Test
  void otherBytesAreParsedAnew() throws Exception {
    TableDecoder decoder = new TableDecoder();
    RoutingTable two = decoder.decode(body(2));
    RoutingTable three = decoder.decode(body(3));

    assertEquals(3, three.version());
    assertNotSame(two, three);
    assertEquals(2, decoder.parses());
  }

  @Test
  void anInvalidBodyFailsEveryTimeAndIsNotKept() throws Exception {
    TableDecoder decoder = new TableDecoder();
    byte[] bad = "{\"epoch\":\"e1\",\"version\":0}".getBytes(StandardCharsets.UTF_8);

    assertThrows(IOException.class, () -> decoder.decode(bad));
    assertThrows(IOException.class, () -> decoder.decode(bad.clone()));
    assertEquals(2, decoder.parses(), "a failure is not reused");
    assertEquals(2, decoder.decode(body(2)).version());
  }

  @Test
  void concurrentWatchersWithTheSameBodyParseItOnce() throws Exception {
    TableDecoder decoder = new TableDecoder();
    int threads = 16;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<RoutingTable>> results = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        byte[] mine = body(7);
        results.add(
            pool.submit(
                () -> {
                  go.await();
                  return decoder.decode(mine);
                }));
      }
      go.countDown();
      RoutingTable first = results.get(0).get();
      for (Future<RoutingTable> r : results) {
        assertSame(first, r.get());
      }
      assertEquals(1, decoder.parses());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void clientsGivenNoHttpClientShareOne() {
    URI uri = URI.create("http://127.0.0.1:1");
    try (RegistryClient a = RegistryClient.builder(uri).build();
        RegistryClient b = RegistryClient.builder(uri).build()) {
      assertSame(a.http(), b.http());
    }
  }
}
