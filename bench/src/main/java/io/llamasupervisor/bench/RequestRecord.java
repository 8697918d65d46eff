package io.llamasupervisor.bench;

import java.time.Duration;
import java.time.Instant;

/**
 * One request of a bench run, or one gap without a READY backend.
 *
 * @param client number of the client that sent it
 * @param keepAlive whether that client reuses connections
 * @param stream whether it asked for an event stream
 * @param generation the backend generation it went to, or -1 when there was none to pick
 * @param url the backend's url, or null
 * @param pickedAt when the client chose the backend from its routing table
 * @param sentAt when the client sent it (right after the pick)
 * @param elapsed until the response was complete or failed
 * @param clientSwitchSeenAt when the sending client's own table first showed this generation
 *     DRAINING or gone (as known when the request ended), or null
 * @param outcome how it ended
 */
public record RequestRecord(
    int client,
    boolean keepAlive,
    boolean stream,
    long generation,
    String url,
    Instant pickedAt,
    Instant sentAt,
    Duration elapsed,
    Instant clientSwitchSeenAt,
    Outcome outcome) {

  /**
   * Whether the client chose the generation although its own table already showed it switched (a
   * routing error of the client, or of the watch that feeds it).
   */
  public boolean routedAfterClientSawSwitch() {
    return clientSwitchSeenAt != null && !clientSwitchSeenAt.isAfter(pickedAt);
  }

  /** When the request ended. */
  public Instant endedAt() {
    return sentAt.plus(elapsed);
  }
}
