package io.llamasupervisor.gateway;

import io.llamasupervisor.registry.RoutingTable;
import java.util.function.Consumer;

/**
 * Where routing tables come from: in-process {@code routingRegistry::subscribe}, standalone {@code
 * registryClient::watch}. The consumer receives the current table and then each newer one; closing
 * the handle stops the feed.
 */
@FunctionalInterface
public interface RouteSource {
  AutoCloseable subscribe(Consumer<RoutingTable> consumer);
}
