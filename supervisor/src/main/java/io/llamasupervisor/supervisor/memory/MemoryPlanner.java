package io.llamasupervisor.supervisor.memory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The pure decision whether a start fits the memory budget, and whom to evict when it does not. No
 * clocks, threads or I/O: time comes in as {@code now}, every fact as a {@link Resident}.
 *
 * <p>Rules: every live instance counts with its footprint until it has exited (a loading one, a
 * serving one and one that is draining or stopping alike). A start fits when its footprint fits the
 * free memory of every device. Otherwise, when the memory of instances already leaving would be
 * enough, the start waits for them. Otherwise models are evicted: only models that serve (nothing
 * loading), are not pinned, have nothing in flight or queued and started at least {@code
 * minResidency} ago, lowest priority first, then least recently active, then by id; as few as
 * needed, and only ones that free memory on a device that is short. When even that is not enough
 * the start waits, and the answer says why each other model cannot go. A footprint larger than a
 * device's whole capacity never fits.
 */
public final class MemoryPlanner {
  private MemoryPlanner() {}

  /** Where an instance is in its life, as far as its memory is concerned. */
  public enum Phase {
    /** Spawned or loading: holds its memory, cannot be evicted. */
    LOADING,
    /** Ready: may be evicted when idle. */
    SERVING,
    /** Draining or stopping: its memory is free once it has exited. */
    LEAVING
  }

  /**
   * One live instance.
   *
   * @param model its model id
   * @param bytes its footprint per device
   * @param pinned its model is never evicted
   * @param priority its model's priority (lower is evicted first)
   * @param inFlight requests in flight to it
   * @param queued requests waiting for its model in the gateway's queue
   * @param started when it was spawned
   * @param lastActive when its model last had a request (or became ready), for least-recently-used
   */
  public record Resident(
      String model,
      Map<String, Long> bytes,
      Phase phase,
      boolean pinned,
      int priority,
      int inFlight,
      int queued,
      Instant started,
      Instant lastActive) {
    public Resident {
      Objects.requireNonNull(model, "model");
      bytes = Map.copyOf(bytes);
      Objects.requireNonNull(phase, "phase");
      Objects.requireNonNull(started, "started");
      lastActive = lastActive == null ? started : lastActive;
    }
  }

  /** The outcome of {@link #admit}. */
  public sealed interface Admission {
    /** A human-readable account of the decision, with the numbers. */
    String message();
  }

  /** The start fits now. */
  public record Fits(String message) implements Admission {}

  /** The start fits once {@code victims} (model ids, in eviction order) are gone. */
  public record Evict(List<String> victims, String message) implements Admission {
    public Evict {
      victims = List.copyOf(victims);
    }
  }

  /**
   * The start must wait.
   *
   * @param forLeaving the memory of instances already leaving (draining or stopping) is enough;
   *     otherwise models must first become evictable (their requests end, min-residency passes)
   */
  public record Wait(String message, boolean forLeaving) implements Admission {}

  /** The footprint is larger than a device's capacity: the start can never fit. */
  public record NeverFits(String message) implements Admission {}

  /**
   * Whether a start of {@code model} with footprint {@code need} fits {@code budget} next to {@code
   * residents} (which include the model's own other instances, e.g. the generation a swap replaces;
   * those are never evicted for it).
   */
  public static Admission admit(
      String model,
      Map<String, Long> need,
      Budget budget,
      List<Resident> residents,
      Instant now,
      Duration minResidency) {
    for (Map.Entry<String, Long> e : need.entrySet()) {
      long cap = budget.capacity(e.getKey());
      if (e.getValue() > cap) {
        return new NeverFits(
            "needs "
                + Sizes.human(e.getValue())
                + " on "
                + e.getKey()
                + " but the budget there is "
                + Sizes.human(budget.bytes().get(e.getKey()))
                + " − margin "
                + Sizes.human(budget.marginBytes())
                + " = "
                + Sizes.human(cap)
                + " ("
                + e.getValue()
                + " > "
                + cap
                + " bytes)");
      }
    }
    Map<String, Long> free = free(budget, need, residents);
    if (covers(free, need)) {
      return new Fits("fits: " + describe(need, free));
    }
    Map<String, Long> soon = new HashMap<>(free);
    List<String> leaving = new ArrayList<>();
    for (Resident r : residents) {
      if (r.phase() == Phase.LEAVING) {
        add(soon, r.bytes());
        if (!leaving.contains(r.model())) {
          leaving.add(r.model());
        }
      }
    }
    if (covers(soon, need)) {
      return new Wait(
          "waits for " + String.join(", ", leaving) + " to exit: " + describe(need, free), true);
    }
    List<String> victims = new ArrayList<>();
    List<String> refusals = new ArrayList<>();
    for (Candidate c : candidates(model, residents, now, minResidency, refusals)) {
      if (c.bytes().entrySet().stream()
          .anyMatch(e -> e.getValue() > 0 && short_(soon, need, e.getKey()))) {
        victims.add(c.model());
        add(soon, c.bytes());
        if (covers(soon, need)) {
          return new Evict(
              victims,
              "evicting "
                  + String.join(", ", victims)
                  + " (idle, lowest priority, least recently used): "
                  + describe(need, free));
        }
      }
    }
    return new Wait(
        "waits for memory: "
            + describe(need, free)
            + (leaving.isEmpty() ? "" : "; leaving: " + String.join(", ", leaving))
            + (refusals.isEmpty() ? "" : "; cannot evict " + String.join(", ", refusals)),
        false);
  }

  /**
   * The model to evict so that a start which failed for lack of memory can be tried again: the
   * first model {@link #admit} would evict, whatever it frees.
   */
  public static Optional<String> oneMoreVictim(
      String model, List<Resident> residents, Instant now, Duration minResidency) {
    return candidates(model, residents, now, minResidency, new ArrayList<>()).stream()
        .map(Candidate::model)
        .findFirst();
  }

  /** Bytes used per device by every live instance. */
  public static Map<String, Long> used(List<Resident> residents) {
    Map<String, Long> used = new java.util.TreeMap<>();
    residents.forEach(r -> add(used, r.bytes()));
    return used;
  }

  private record Candidate(
      String model, Map<String, Long> bytes, int priority, Instant lastActive) {}

  /** Models that may be evicted, in eviction order; why the others may not, in {@code refusals}. */
  private static List<Candidate> candidates(
      String model,
      List<Resident> residents,
      Instant now,
      Duration minResidency,
      List<String> refusals) {
    Map<String, List<Resident>> byModel = new LinkedHashMap<>();
    for (Resident r : residents) {
      byModel.computeIfAbsent(r.model(), k -> new ArrayList<>()).add(r);
    }
    List<Candidate> out = new ArrayList<>();
    for (String id : new TreeSet<>(byModel.keySet())) {
      if (id.equals(model)) {
        continue;
      }
      List<Resident> mine = byModel.get(id);
      List<Resident> serving = mine.stream().filter(r -> r.phase() == Phase.SERVING).toList();
      if (serving.isEmpty()) {
        continue; // leaving (counted already) or loading only
      }
      Resident first = serving.get(0);
      int busy = mine.stream().mapToInt(Resident::inFlight).sum() + first.queued();
      Instant youngest =
          mine.stream().map(Resident::started).max(Comparator.naturalOrder()).orElseThrow();
      Instant old = youngest.plus(minResidency);
      if (first.pinned()) {
        refusals.add(id + " (pinned)");
      } else if (mine.stream().anyMatch(r -> r.phase() == Phase.LOADING)) {
        refusals.add(id + " (loading)");
      } else if (busy > 0) {
        refusals.add(id + " (" + busy + " requests in flight or queued)");
      } else if (now.isBefore(old)) {
        refusals.add(id + " (resident for less than min-residency, until " + old + ")");
      } else {
        Map<String, Long> bytes = new HashMap<>();
        serving.forEach(r -> add(bytes, r.bytes()));
        Instant last =
            mine.stream().map(Resident::lastActive).max(Comparator.naturalOrder()).orElseThrow();
        out.add(new Candidate(id, bytes, first.priority(), last));
      }
    }
    out.sort(
        Comparator.comparingInt(Candidate::priority)
            .thenComparing(Candidate::lastActive)
            .thenComparing(Candidate::model));
    return out;
  }

  private static Map<String, Long> free(
      Budget budget, Map<String, Long> need, List<Resident> residents) {
    Map<String, Long> used = used(residents);
    Map<String, Long> free = new HashMap<>();
    for (String d : need.keySet()) {
      long cap = budget.capacity(d);
      free.put(d, cap == Long.MAX_VALUE ? cap : cap - used.getOrDefault(d, 0L));
    }
    return free;
  }

  private static boolean covers(Map<String, Long> free, Map<String, Long> need) {
    return need.keySet().stream().noneMatch(d -> short_(free, need, d));
  }

  private static boolean short_(Map<String, Long> free, Map<String, Long> need, String device) {
    return free.getOrDefault(device, Long.MAX_VALUE) < need.getOrDefault(device, 0L);
  }

  private static void add(Map<String, Long> into, Map<String, Long> bytes) {
    bytes.forEach(
        (d, b) ->
            into.merge(
                d,
                b,
                (x, y) -> x == Long.MAX_VALUE || y == Long.MAX_VALUE ? Long.MAX_VALUE : x + y));
  }

  private static String describe(Map<String, Long> need, Map<String, Long> free) {
    List<String> parts = new ArrayList<>();
    for (String d : new TreeSet<>(need.keySet())) {
      long f = free.getOrDefault(d, Long.MAX_VALUE);
      parts.add(
          "needs "
              + Sizes.human(need.get(d))
              + " on "
              + d
              + ", "
              + (f == Long.MAX_VALUE ? "no budget" : Sizes.human(Math.max(0, f)) + " free"));
    }
    return String.join("; ", parts);
  }
}
