package io.llamasupervisor.supervisor.supervise;

import io.llamasupervisor.health.SlotsProbe;
import io.llamasupervisor.health.SlotsResult;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Stops draining instances once their requests are done. An instance drains for at least the drain
 * linger; after that it is stopped as soon as the slots probe finds no slot busy and the {@link
 * Traffic} of an in-process gateway has no request in flight to it (or the server is gone), and at
 * the latest when the drain timeout has passed. Checks every 200 ms while any instance drains. Also
 * keeps the idle-slot counts of serving instances fresh for the routing table ({@link
 * #refreshSlots()}). State thread only.
 */
final class Drainer {
  private static final Duration CHECK_EVERY = Duration.ofMillis(200);

  private final FleetState state;
  private final StateThread thread;
  private final SlotsProbe slots;
  private final BiConsumer<ModelRuntime, InstanceRuntime> stop;

  /**
   * @param stop stops a drained instance (for its model's change reason)
   */
  Drainer(
      FleetState state,
      StateThread thread,
      SlotsProbe slots,
      BiConsumer<ModelRuntime, InstanceRuntime> stop) {
    this.state = state;
    this.thread = thread;
    this.slots = slots;
    this.stop = stop;
  }

  /** Checks the draining instances shortly; checking goes on while any drains. */
  void schedule() {
    if (checkScheduled) {
      return; // one chain of checks covers every draining instance
    }
    checkScheduled = true;
    thread.schedule(
        "drain check",
        () -> {
          checkScheduled = false;
          check();
        },
        CHECK_EVERY);
  }

  private boolean checkScheduled;

  /**
   * One check of every draining instance. A failure is logged with its model and the other
   * instances are still checked; checking goes on while any instance drains.
   */
  private void check() {
    boolean any = false;
    for (ModelRuntime m : List.copyOf(state.models.values())) {
      for (InstanceRuntime i : List.copyOf(m.instances)) {
        if (i.state != InstanceState.DRAINING) {
          continue;
        }
        any = true;
        StateThread.guarded("drain check of model " + m.id, () -> check(m, i)).run();
      }
    }
    if (any) {
      schedule();
    }
  }

  private void check(ModelRuntime m, InstanceRuntime i) {
    Duration drained = Duration.between(i.drainingSince, state.now());
    if (drained.compareTo(state.settings.drainTimeout()) >= 0) {
      stop.accept(m, i);
    } else if (drained.compareTo(state.settings.drainLinger()) >= 0 && !i.drainProbeInFlight) {
      i.drainProbeInFlight = true;
      probe(i, () -> i.drainProbeInFlight = false)
          .whenComplete(
              (r, err) ->
                  thread.post(
                      () -> {
                        i.drainProbeInFlight = false;
                        onSlots(m, i, r);
                      }));
    }
  }

  /**
   * Reads {@code /slots} of every ready instance and publishes changed idle-slot counts. Runs at
   * the resync interval, so a busy fleet makes at most one table version per interval for it.
   *
   * <p>With an in-process gateway ({@link Traffic} other than {@link Traffic#NONE}) an instance is
   * not asked while it is quiet: its last reading found every slot idle and since that probe began
   * the gateway has had no request for its model and has none in flight to it. An idle fleet then
   * costs no slots requests at all, and {@code /slots} (which llama-server answers from its
   * inference loop) does not keep waking a server that sleeps when idle ({@code
   * --sleep-idle-seconds}). Requests sent straight to a backend's port, past the gateway, are then
   * seen at the next refresh after gateway traffic for that model.
   */
  void refreshSlots() {
    for (ModelRuntime m : List.copyOf(state.models.values())) {
      for (InstanceRuntime i : List.copyOf(m.instances)) {
        if (i.state != InstanceState.READY || i.slotsProbeInFlight || quiet(m, i)) {
          continue;
        }
        Instant began = state.now();
        StateThread.guarded(
                "slots refresh of model " + m.id,
                () -> {
                  i.slotsProbeInFlight = true;
                  probe(i, () -> i.slotsProbeInFlight = false)
                      .whenComplete(
                          (r, err) ->
                              thread.post(
                                  () -> {
                                    i.slotsProbeInFlight = false;
                                    onRefresh(i, r, began);
                                  }));
                })
            .run();
      }
    }
  }

  private boolean quiet(ModelRuntime m, InstanceRuntime i) {
    Traffic traffic = state.traffic();
    if (traffic == Traffic.NONE || i.allIdleSince == null || traffic.inFlight(i.url()) > 0) {
      return false;
    }
    return traffic.lastActive(m.id).map(last -> last.isBefore(i.allIdleSince)).orElse(true);
  }

  /** Probes {@code i}'s slots; when the probe throws, {@code undo} runs and it is asked again. */
  private java.util.concurrent.CompletableFuture<SlotsResult> probe(
      InstanceRuntime i, Runnable undo) {
    try {
      return slots.probe(URI.create(i.url()), Duration.ofSeconds(1));
    } catch (RuntimeException e) {
      undo.run();
      throw e;
    }
  }

  private void onRefresh(InstanceRuntime i, SlotsResult r, Instant began) {
    i.allIdleSince = null; // set again below when this reading found every slot idle
    if (r instanceof SlotsResult.Known k && i.state == InstanceState.READY) {
      int total = k.totalSlots().orElse(i.plan.parallel());
      int idle = Math.max(0, total - k.busySlots());
      i.allIdleSince = idle == total ? began : null;
      if (idle != i.slotsIdle) {
        i.slotsIdle = idle;
        state.publish();
      }
    }
  }

  /** A slots probe's answer; {@code null} when the probe failed (it is asked again). */
  private void onSlots(ModelRuntime m, InstanceRuntime i, SlotsResult r) {
    boolean idle =
        r instanceof SlotsResult.Known k && k.idle() && state.traffic().inFlight(i.url()) == 0;
    // a timeout or an error answer says nothing about in-flight work: keep draining until the
    // drain timeout; only a refused connection means the server is gone
    boolean gone =
        r instanceof SlotsResult.Unavailable u
            && u.reason() == io.llamasupervisor.health.ProbeReason.CONNECTION_REFUSED;
    if ((idle || gone) && i.state == InstanceState.DRAINING) {
      stop.accept(m, i);
    }
  }
}
