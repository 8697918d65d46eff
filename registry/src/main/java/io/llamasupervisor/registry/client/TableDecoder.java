package io.llamasupervisor.registry.client;

import io.llamasupervisor.registry.RoutingJson;
import io.llamasupervisor.registry.RoutingTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Decodes routing-table bodies once per distinct body. When a change wakes many watchers of one
 * registry in a process (one {@link RegistryClient} each), they all receive the same bytes: the
 * first to arrive parses them and the others wait for its table and share it ({@link RoutingTable}
 * is immutable), instead of each parsing the same JSON again. Only the last body is kept, so
 * watchers of different registries merely parse as before. A body that fails to parse is not kept.
 * Thread-safe.
 */
final class TableDecoder {
  /** The decoder of every {@link RegistryClient} in this process. */
  static final TableDecoder SHARED = new TableDecoder();

  private record Decoded(byte[] body, CompletableFuture<RoutingTable> table) {}

  private final AtomicReference<Decoded> last = new AtomicReference<>();
  private final AtomicLong parses = new AtomicLong();

  /**
   * The table in {@code body}: the one already decoded when the last body had the same bytes,
   * otherwise parsed now. The array must not be changed afterwards.
   *
   * @throws IOException when the bytes are not a valid table
   */
  RoutingTable decode(byte[] body) throws IOException {
    Decoded mine = null;
    Decoded found;
    while (true) {
      found = last.get();
      if (found != null && Arrays.equals(found.body, body)) {
        break;
      }
      if (mine == null) {
        mine = new Decoded(body, new CompletableFuture<>());
      }
      if (last.compareAndSet(found, mine)) {
        found = mine;
        parse(mine);
        break;
      }
    }
    try {
      return found.table.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof UncheckedIOException io) {
        throw io.getCause();
      }
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  /** How many bodies were parsed (not reused) so far. */
  long parses() {
    return parses.get();
  }

  private void parse(Decoded d) {
    parses.incrementAndGet();
    try {
      d.table.complete(RoutingJson.readTable(d.body));
    } catch (IOException | RuntimeException e) {
      last.compareAndSet(d, null);
      d.table.completeExceptionally(e instanceof IOException io ? new UncheckedIOException(io) : e);
    }
  }
}
