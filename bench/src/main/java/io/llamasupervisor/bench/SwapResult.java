package io.llamasupervisor.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One restart triggered by the bench.
 *
 * @param number 1 for the first swap
 * @param fromGenerations generations listed for the model before the restart
 * @param toGeneration the new READY generation, or -1 when none appeared
 * @param acceptedAt when the restart request was accepted
 * @param toReady accepted until the new generation was first seen READY, or null
 * @param toOldGone accepted until the last old generation was first seen gone, or null
 * @param error why the swap did not complete, or null when it did
 */
public record SwapResult(
    int number,
    List<Long> fromGenerations,
    long toGeneration,
    Instant acceptedAt,
    Duration toReady,
    Duration toOldGone,
    String error) {

  public SwapResult {
    fromGenerations = List.copyOf(fromGenerations);
  }

  /** Whether the new generation became READY and every old one left the table. */
  public boolean completed() {
    return error == null;
  }
}
