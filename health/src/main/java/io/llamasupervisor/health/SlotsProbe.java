package io.llamasupervisor.health;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Reads how many of an instance's slots are busy, e.g. to wait for it to drain. Like {@link
 * HealthProbe}, the future completes normally (failures are {@link SlotsResult.Unavailable}) and
 * within {@code timeout}.
 */
@FunctionalInterface
public interface SlotsProbe {
  CompletableFuture<SlotsResult> probe(URI base, Duration timeout);
}
