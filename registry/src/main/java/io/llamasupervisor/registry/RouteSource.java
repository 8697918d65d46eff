package io.llamasupervisor.registry;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A versioned routing table that can be read, long-polled and followed: what the HTTP contract of
 * {@link RegistryApi} (ETag, blocking query, Server-Sent Events) is served from. The local {@link
 * RoutingRegistry} is one; a cluster-wide table merged from every node is another.
 *
 * <p>Versions only grow within an epoch; each distinct table has one version.
 */
public interface RouteSource {

  /** The current epoch; a consumer that sees it change resets its index. */
  String epoch();

  /** The current table; never null. */
  RoutingTable current();

  /**
   * A blocking query: completes at once when the current version differs from {@code index}, when
   * {@code callerEpoch} is non-null and not the current epoch, or when {@code wait} is zero;
   * otherwise with the next table, or with the current one after about {@code wait}.
   */
  CompletableFuture<RoutingTable> awaitChange(String callerEpoch, long index, Duration wait);

  /**
   * Feeds {@code consumer} the current table and then newer ones in version order, one call at a
   * time (a slow consumer receives only the latest). Close the handle to stop.
   */
  RoutingRegistry.Subscription subscribe(Consumer<RoutingTable> consumer);
}
