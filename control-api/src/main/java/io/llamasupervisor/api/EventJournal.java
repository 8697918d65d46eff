package io.llamasupervisor.api;

import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.supervisor.supervise.Fleet;
import io.llamasupervisor.supervisor.supervise.FleetEvent;
import io.micronaut.context.annotation.Context;
import jakarta.annotation.PreDestroy;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The API's memory of the fleet's {@link FleetEvent}s: subscribed from the API's start, it keeps
 * the last {@link #CAPACITY} events for reconnecting clients and hands each new one to the open
 * event streams. Event ids are {@code <routing epoch>.<seq>}, so an id from an earlier run of the
 * supervisor is recognised as such.
 *
 * <p>The fleet calls {@link #onEvent} on its state thread; this only appends and hands over (the
 * streams buffer), it never blocks.
 */
@Context
final class EventJournal {
  static final int CAPACITY = 1_000;

  private final String epoch;
  private final ArrayDeque<FleetEvent> recent = new ArrayDeque<>();
  private final CopyOnWriteArrayList<Consumer<FleetEvent>> streams = new CopyOnWriteArrayList<>();
  private final Fleet.Subscription subscription;

  EventJournal(Fleet fleet, RoutingRegistry registry) {
    this.epoch = registry.epoch();
    this.subscription = fleet.subscribe(this::onEvent);
  }

  /** This run's epoch, the first part of every event id. */
  String epoch() {
    return epoch;
  }

  /** The SSE id of {@code e}. */
  String idOf(FleetEvent e) {
    return epoch + "." + e.seq();
  }

  private void onEvent(FleetEvent e) {
    synchronized (recent) {
      recent.addLast(e);
      if (recent.size() > CAPACITY) {
        recent.removeFirst();
      }
      // under the lock: a stream that opens now sees this event either in its replay or live
      streams.forEach(s -> s.accept(e));
    }
  }

  /**
   * Opens a stream. Under the journal's lock, {@code first} gets what the client missed: the kept
   * events after {@code lastEventId} (none when it is null or from another run) and whether that is
   * all it missed; then {@code live} gets each new event, so nothing falls between the two. Returns
   * what closes the live part.
   */
  Runnable open(String lastEventId, Consumer<Opened> first, Consumer<FleetEvent> live) {
    synchronized (recent) {
      List<FleetEvent> replay = new ArrayList<>();
      boolean complete = false;
      Optional<Long> seen = seqOf(lastEventId);
      if (seen.isPresent()) {
        long firstKept = recent.isEmpty() ? seen.get() + 1 : recent.peekFirst().seq();
        long lastKept = recent.isEmpty() ? seen.get() : recent.peekLast().seq();
        complete = seen.get() <= lastKept && seen.get() + 1 >= firstKept;
        for (FleetEvent e : recent) {
          if (e.seq() > seen.get()) {
            replay.add(e);
          }
        }
      }
      first.accept(new Opened(complete, replay));
      streams.add(live);
      return () -> streams.remove(live);
    }
  }

  /**
   * @param resumed true when the client named an event of this run and none after it was lost
   * @param replay the kept events after the one the client named, oldest first
   */
  record Opened(boolean resumed, List<FleetEvent> replay) {}

  private Optional<Long> seqOf(String id) {
    if (id == null) {
      return Optional.empty();
    }
    String s = id.strip();
    int dot = s.lastIndexOf('.');
    if (dot < 0 || !s.substring(0, dot).equals(epoch)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Long.parseLong(s.substring(dot + 1)));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  @PreDestroy
  void close() {
    subscription.close();
  }
}
