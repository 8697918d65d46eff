package io.llamasupervisor.gateway;

import io.llamasupervisor.registry.DelayScheduler;
import io.llamasupervisor.registry.ModelRoute;
import io.llamasupervisor.registry.RoutingTable;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * The gateway's decisions, without sockets: which model a name means, and for each request which
 * backend serves it, whether it waits, or why it is refused. Fed by routing tables ({@link
 * #onTable}); asks the {@link ModelDirectory} about models without a READY backend and the {@link
 * ModelStarter} to start on-demand or idle ones. Thread-safe; decisions per model are serialized by
 * that model's lane.
 */
public final class Dispatcher {
  final GatewayOptions options;
  final ModelDirectory directory;
  final ModelStarter starter;
  final Clock clock;
  final DelayScheduler scheduler;
  final RandomGenerator random;
  final GatewayMetrics metrics;

  private final Map<String, ModelLane> lanes = new ConcurrentHashMap<>();
  private final Map<String, Backend> backendsByUrl = new ConcurrentHashMap<>();
  private volatile Map<String, String> idByName = Map.of();
  private volatile RoutingTable table;
  private volatile Predicate<String> local = url -> false;

  public Dispatcher(
      GatewayOptions options,
      ModelDirectory directory,
      ModelStarter starter,
      Clock clock,
      DelayScheduler scheduler,
      RandomGenerator random,
      GatewayMetrics metrics) {
    this.options = options;
    this.directory = directory;
    this.starter = starter;
    this.clock = clock;
    this.scheduler = scheduler;
    this.random = random;
    this.metrics = metrics;
  }

  /**
   * Prefer-local: among the backends with a free slot, those for which {@code isLocal} holds (by
   * url) are chosen first; the others only take what the local ones have no slot for. Without it
   * every backend counts as remote, which changes nothing. Applies from the next routing table on,
   * so set it before {@link GatewayServer#start()}; {@code isLocal} must be cheap and thread-safe.
   */
  public void preferLocal(Predicate<String> isLocal) {
    this.local = java.util.Objects.requireNonNull(isLocal, "isLocal");
  }

  boolean isLocal(String url) {
    return local.test(url);
  }

  /** A new routing table: backends appear, change or leave; waiting requests may now be served. */
  public void onTable(RoutingTable next) {
    RoutingTable previous = table;
    if (previous != null
        && next.epoch().equals(previous.epoch())
        && next.version() < previous.version()) {
      return;
    }
    table = next;
    Map<String, String> names = new HashMap<>();
    for (ModelRoute m : next.models()) {
      names.put(m.id(), m.id());
      names.putIfAbsent(m.alias(), m.id());
    }
    idByName = Map.copyOf(names);
    for (ModelRoute m : next.models()) {
      lane(m.id()).update(m);
    }
    for (ModelLane lane : lanes.values()) {
      if (next.models().stream().noneMatch(m -> m.id().equals(lane.id))) {
        lane.update(null);
      }
    }
  }

  /** The current routing table, or null before the first. */
  public RoutingTable table() {
    return table;
  }

  /**
   * The model a request means: {@code name} is the body's {@code model} (null when absent). Absent
   * with exactly one model served means that one.
   */
  public Resolution resolve(String name) {
    if (name == null) {
      List<ModelInfo> all = accepted();
      if (all.size() == 1) {
        return Resolution.found(all.get(0));
      }
      return Resolution.error(GatewayError.modelRequired(all.size()));
    }
    String id = idByName.get(name);
    RoutingTable t = table;
    if (id != null && t != null) {
      Optional<ModelRoute> route = t.model(id);
      if (route.isPresent()) {
        ModelRoute r = route.get();
        return Resolution.found(ModelInfo.of(r.id(), r.alias(), r.state()));
      }
    }
    Optional<ModelInfo> known = directory.find(name);
    return known
        .map(Resolution::found)
        .orElseGet(() -> Resolution.error(GatewayError.modelNotFound(name)));
  }

  /**
   * Asks for a backend of model {@code id} for a first attempt; {@code affinity} is the
   * conversation prefix hash (0: none). The waiter hears back exactly once unless the ticket is
   * cancelled first.
   */
  public Ticket acquire(String id, long affinity, Waiter waiter) {
    return submit(id, affinity, null, Set.of(), waiter, 1, null);
  }

  /**
   * Like {@link #acquire(String, long, Waiter)}, preferring the backend at {@code preferredUrl}
   * (the one that served a conversation's previous turn) while it is READY with a free slot, over
   * any prefix affinity; null prefers none.
   */
  public Ticket acquire(String id, long affinity, String preferredUrl, Waiter waiter) {
    return submit(id, affinity, preferredUrl, Set.of(), waiter, 1, null);
  }

  /**
   * Asks for another backend after {@code failed} could not be reached ({@code why}); the failed
   * lease must be released first. With no other READY backend the waiter gets 502 at once, naming
   * {@code why}.
   */
  public Ticket retry(Lease failed, long affinity, Waiter waiter, String why) {
    metrics.retry(failed.model());
    return submit(failed.model(), affinity, null, Set.of(failed.url()), waiter, 2, why);
  }

  private Ticket submit(
      String id,
      long affinity,
      String preferred,
      Set<String> excluded,
      Waiter waiter,
      int attempt,
      String retryOf) {
    ModelLane lane = lane(id);
    Instant now = clock.instant();
    Ticket t = new Ticket(lane, waiter, options.affinity() ? affinity : 0, excluded, now);
    t.preferred = preferred;
    t.retryOf = retryOf;
    ModelInfo info = lane.hasReady() ? null : directory.find(id).orElseGet(() -> tableInfo(id));
    lane.acquire(t, info, attempt);
    return t;
  }

  private ModelInfo tableInfo(String id) {
    RoutingTable t = table;
    return t == null
        ? null
        : t.model(id).map(m -> ModelInfo.of(m.id(), m.alias(), m.state())).orElse(null);
  }

  /** Every model: the directory's, plus those only the routing table lists; sorted by id. */
  public List<ModelInfo> models() {
    TreeMap<String, ModelInfo> all = new TreeMap<>();
    RoutingTable t = table;
    if (t != null) {
      for (ModelRoute m : t.models()) {
        all.put(m.id(), ModelInfo.of(m.id(), m.alias(), m.state()));
      }
    }
    for (ModelInfo m : directory.models()) {
      all.put(m.id(), m);
    }
    return new ArrayList<>(all.values());
  }

  /**
   * The models a client can use: {@link #models()} without rejected files (they are still found by
   * name, and answered with their reason).
   */
  public List<ModelInfo> accepted() {
    List<ModelInfo> all = models();
    all.removeIf(m -> "rejected".equals(m.state()));
    return all;
  }

  /** The live counts the supervisor's drain and idle stop read. */
  public GatewayTraffic traffic() {
    return new GatewayTraffic(this);
  }

  int inFlight(String url) {
    Backend b = backendsByUrl.get(url);
    return b == null ? 0 : b.inFlight.get();
  }

  Optional<Instant> lastActive(String modelId) {
    ModelLane lane = lanes.get(modelId);
    return lane == null ? Optional.empty() : Optional.ofNullable(lane.lastActive());
  }

  int queued(String modelId) {
    ModelLane lane = lanes.get(modelId);
    return lane == null ? 0 : lane.queued();
  }

  /** Backends ejected now, per model (url → until). */
  public Map<String, Map<String, Instant>> ejected() {
    Map<String, Map<String, Instant>> out = new TreeMap<>();
    for (ModelLane lane : lanes.values()) {
      Map<String, Instant> e = lane.ejected();
      if (!e.isEmpty()) {
        out.put(lane.id, e);
      }
    }
    return out;
  }

  void trackBackend(Backend b) {
    backendsByUrl.put(b.url, b);
    metrics.trackInFlight(b.model, b.url, b.inFlight);
  }

  void untrackBackend(Backend b) {
    backendsByUrl.remove(b.url, b);
    metrics.untrackInFlight(b.model, b.url);
  }

  private ModelLane lane(String id) {
    return lanes.computeIfAbsent(id, k -> new ModelLane(k, this));
  }

  /** What a model name resolves to: a model, or the error to answer. */
  public record Resolution(ModelInfo model, GatewayError error) {
    static Resolution found(ModelInfo m) {
      return new Resolution(m, null);
    }

    static Resolution error(GatewayError e) {
      return new Resolution(null, e);
    }
  }
}
