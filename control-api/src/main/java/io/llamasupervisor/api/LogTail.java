package io.llamasupervisor.api;

import java.util.List;

/**
 * Turns successive snapshots of a model's last output lines into the lines that are new, for {@code
 * /logs?follow=true}. The new lines of a snapshot are those after the longest overlap between the
 * end of the previous snapshot and the start of this one; with no overlap (a new instance, or more
 * new lines than the window holds) the whole snapshot is new. Runs of identical lines that fill the
 * whole window are ambiguous: a line repeated into an already-full window of the same line is not
 * seen. Not thread-safe: one per follower.
 */
final class LogTail {
  private List<String> previous = List.of();

  /** The lines of {@code snapshot} not yet returned; the first call returns all of it. */
  List<String> next(List<String> snapshot) {
    List<String> prev = previous;
    previous = List.copyOf(snapshot);
    if (snapshot.equals(prev)) {
      return List.of();
    }
    for (int k = Math.min(prev.size(), snapshot.size()); k > 0; k--) {
      if (prev.subList(prev.size() - k, prev.size()).equals(snapshot.subList(0, k))) {
        return snapshot.subList(k, snapshot.size());
      }
    }
    return snapshot;
  }
}
