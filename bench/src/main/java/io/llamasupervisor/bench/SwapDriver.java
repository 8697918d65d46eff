package io.llamasupervisor.bench;

import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.ModelRoute;
import io.llamasupervisor.registry.RoutingTable;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Triggers one restart and waits for the swap to complete: a generation that was not listed before
 * is READY and every generation listed before is gone from the table. Durations are measured from
 * the moment the restart was accepted to the earliest moment any watcher of the run saw the new
 * generation READY, and the last old one gone.
 */
final class SwapDriver {
  private final String model;
  private final RouteFollower view;
  private final GenerationTimeline timeline;
  private final RestartTrigger trigger;
  private final Clock clock;
  private final Duration timeout;

  SwapDriver(
      String model,
      RouteFollower view,
      GenerationTimeline timeline,
      RestartTrigger trigger,
      Clock clock,
      Duration timeout) {
    this.model = model;
    this.view = view;
    this.timeline = timeline;
    this.trigger = trigger;
    this.clock = clock;
    this.timeout = timeout;
  }

  /** Runs swap {@code number}; never throws for a swap that fails, except when interrupted. */
  SwapResult swap(int number) throws InterruptedException {
    Set<Long> before = generations(view.table());
    RestartTrigger.Answer answer;
    try {
      answer = trigger.restart(model);
    } catch (IOException e) {
      return failed(number, before, null, "restart request failed: " + e);
    }
    Instant accepted = clock.instant();
    if (!answer.accepted()) {
      return failed(
          number,
          before,
          accepted,
          "restart answered " + answer.status() + ": " + HttpLines.quote(answer.body().strip()));
    }
    boolean done = view.await(t -> completed(t, before), timeout);
    long next = newReady(view.table(), before).orElse(-1L);
    Duration toReady =
        next < 0 ? null : timeline.readyAt(next).map(t -> since(accepted, t)).orElse(null);
    Duration toGone = done ? lastGone(before, accepted) : null;
    String error =
        done
            ? null
            : "not complete after "
                + timeout.toSeconds()
                + " s: "
                + describe(view.route().orElse(null), before);
    return new SwapResult(number, List.copyOf(before), next, accepted, toReady, toGone, error);
  }

  /** Whether a new generation is READY and none of {@code before} is listed. */
  boolean completed(RoutingTable table, Set<Long> before) {
    if (newReady(table, before).isEmpty()) {
      return false;
    }
    return generations(table).stream().noneMatch(before::contains);
  }

  private SwapResult failed(int number, Set<Long> before, Instant accepted, String error) {
    return new SwapResult(
        number,
        List.copyOf(before),
        -1,
        accepted == null ? clock.instant() : accepted,
        null,
        null,
        error);
  }

  private Duration lastGone(Set<Long> before, Instant accepted) {
    Duration longest = Duration.ZERO;
    for (long g : before) {
      Optional<Instant> gone = timeline.goneAt(g);
      if (gone.isPresent() && since(accepted, gone.get()).compareTo(longest) > 0) {
        longest = since(accepted, gone.get());
      }
    }
    return longest;
  }

  private Set<Long> generations(RoutingTable table) {
    return table == null
        ? Set.of()
        : table.model(model).map(SwapDriver::generations).orElse(Set.of());
  }

  private static Set<Long> generations(ModelRoute m) {
    Set<Long> s = new TreeSet<>();
    m.backends().forEach(b -> s.add(b.generation()));
    return s;
  }

  private Optional<Long> newReady(RoutingTable table, Set<Long> before) {
    if (table == null) {
      return Optional.empty();
    }
    return table.model(model).stream()
        .flatMap(m -> m.readyBackends().stream())
        .map(BackendRoute::generation)
        .filter(g -> !before.contains(g))
        .findFirst();
  }

  private static Duration since(Instant from, Instant to) {
    Duration d = Duration.between(from, to);
    return d.isNegative() ? Duration.ZERO : d;
  }

  private static String describe(ModelRoute m, Set<Long> before) {
    if (m == null) {
      return "the model is not in the routing table";
    }
    StringBuilder sb = new StringBuilder("generations before ").append(before).append(", now");
    if (m.backends().isEmpty()) {
      sb.append(" none");
    }
    for (BackendRoute b : m.backends()) {
      sb.append(' ').append(b.generation()).append('=').append(b.state());
    }
    return sb.toString();
  }
}
