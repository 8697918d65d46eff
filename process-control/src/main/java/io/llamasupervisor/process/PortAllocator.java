package io.llamasupervisor.process;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.IntPredicate;

/**
 * Hands out TCP ports from a fixed range for child servers to listen on. A port is handed out only
 * if it is not leased already and can be bound on the target host right now (bind test with
 * SO_REUSEADDR off, so ports in use or in TIME_WAIT are skipped). A leased port is never handed out
 * again until {@link #release(int)}. Allocation walks the range round-robin, so a just-released
 * port is the last to be reused. Thread-safe.
 */
public final class PortAllocator {

  public static final int DEFAULT_FIRST = 39000;
  public static final int DEFAULT_LAST = 39999;

  private final int first;
  private final int last;
  private final IntPredicate bindable;
  private final Set<Integer> leased = new TreeSet<>();
  private int next;

  /** Ports {@code first..last} (inclusive), bind-tested on {@code host}. */
  public PortAllocator(int first, int last, InetAddress host) {
    this(first, last, port -> canBind(Objects.requireNonNull(host, "host"), port));
  }

  PortAllocator(int first, int last, IntPredicate bindable) {
    if (first < 1 || last > 65535 || first > last) {
      throw new IllegalArgumentException(
          "port range must satisfy 1 <= first <= last <= 65535, got " + first + "-" + last);
    }
    this.first = first;
    this.last = last;
    this.bindable = bindable;
    this.next = first;
  }

  /** The default range 39000-39999 on {@code host}. */
  public static PortAllocator defaultRange(InetAddress host) {
    return new PortAllocator(DEFAULT_FIRST, DEFAULT_LAST, host);
  }

  /**
   * Leases a free port.
   *
   * @throws IllegalStateException when every port of the range is leased or in use
   */
  public synchronized int allocate() {
    int size = last - first + 1;
    for (int i = 0; i < size; i++) {
      int port = next;
      next = port == last ? first : port + 1;
      if (!leased.contains(port) && bindable.test(port)) {
        leased.add(port);
        return port;
      }
    }
    throw new IllegalStateException(
        "no free port in "
            + first
            + "-"
            + last
            + " ("
            + leased.size()
            + " leased, the rest in use by other processes)");
  }

  /**
   * Marks {@code port} as leased without a bind test (an adopted instance already listens on it).
   * Ports outside the range are accepted too. Returns false if it was leased already.
   */
  public synchronized boolean reserve(int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("not a port: " + port);
    }
    return leased.add(port);
  }

  /** Ends the lease of {@code port}; releasing a port that is not leased does nothing. */
  public synchronized void release(int port) {
    leased.remove(port);
  }

  /** The leased ports, ascending. */
  public synchronized SortedSet<Integer> leased() {
    return Collections.unmodifiableSortedSet(new TreeSet<>(leased));
  }

  public int first() {
    return first;
  }

  public int last() {
    return last;
  }

  private static boolean canBind(InetAddress host, int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(host, port), 1);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
