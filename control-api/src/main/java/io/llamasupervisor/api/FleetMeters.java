package io.llamasupervisor.api;

import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.supervisor.catalog.CatalogEvent;
import io.llamasupervisor.supervisor.catalog.CatalogListener;
import io.llamasupervisor.supervisor.supervise.FleetMetrics;
import io.llamasupervisor.supervisor.supervise.ModelStatus;
import io.llamasupervisor.supervisor.supervise.ReasonCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The supervisor's own meters ({@code llama_supervisor_*}) on a Micrometer {@link
 * PrometheusMeterRegistry}, plus the JVM and process meters ({@code jvm_*}, {@code process_*},
 * {@code system_*}). Give it to the supervisor as its {@link FleetMetrics} and register it on the
 * model catalog as a {@link CatalogListener}; {@link ApiServer} renders the registry.
 *
 * <p>Events are counted as they happen: restarts by model and reason, time to ready (a histogram
 * per model), verifications by verdict. The gauges (models and instances by state, routing-table
 * version and watchers, backend scrapes) are set from a snapshot on every render. The series of a
 * model end when it does: its counters and timer are removed when the catalog reports it gone, its
 * gauges when it is no longer in the snapshot. The registry may carry other meters (e.g. the
 * gateway's); they are rendered too. Thread-safe.
 */
public final class FleetMeters implements FleetMetrics, CatalogListener, AutoCloseable {
  /** Upper bounds of the time-to-ready buckets. */
  static final Duration[] READY_BUCKETS = {
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10),
    Duration.ofSeconds(30),
    Duration.ofSeconds(60),
    Duration.ofSeconds(120),
    Duration.ofSeconds(300),
    Duration.ofSeconds(600)
  };

  static final String RESTARTS = "llama_supervisor_restarts";
  static final String TIME_TO_READY = "llama_supervisor_time_to_ready";
  static final String VERIFICATIONS = "llama_supervisor_verifications";

  private final PrometheusMeterRegistry registry;
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final MultiGauge models;
  private final MultiGauge instances;
  private final MultiGauge tableVersion;
  private final MultiGauge watchers;
  private final MultiGauge backendsUp;
  private final MultiGauge kvUsage;

  /** Registers the JVM and process meters on {@code registry} at once, the others as they come. */
  public FleetMeters(PrometheusMeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    models =
        MultiGauge.builder("llama_supervisor_models")
            .description("Known models by state")
            .register(registry);
    instances =
        MultiGauge.builder("llama_supervisor_instances")
            .description("llama-server instances by model and state")
            .register(registry);
    tableVersion =
        MultiGauge.builder("llama_supervisor_routing_table_version")
            .description("Version of the current routing table (restarts from 1 with each epoch)")
            .register(registry);
    watchers =
        MultiGauge.builder("llama_supervisor_routing_watchers")
            .description("Clients watching the routing table: pending blocking queries and streams")
            .register(registry);
    backendsUp =
        MultiGauge.builder("llama_supervisor_backend_metrics_up")
            .description("1 when a READY instance's /metrics was fetched in this scrape, else 0")
            .register(registry);
    kvUsage =
        MultiGauge.builder("llama_supervisor_kv_cache_usage_ratio")
            .description(
                "Share of a READY instance's KV cache cells held by running tasks (from /slots)")
            .register(registry);
  }

  /** The registry these meters live on. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  @Override
  public void restarted(String model, ReasonCode reason) {
    Counter.builder(RESTARTS)
        .description(
            "New generations started after a failure or to replace a serving one, by reason")
        .tags("model", model, "reason", reason.name().toLowerCase(Locale.ROOT))
        .register(registry)
        .increment();
  }

  @Override
  public void ready(String model, int generation, Duration startup) {
    Timer.builder(TIME_TO_READY)
        .description("Seconds from spawning llama-server to its first successful /health")
        .tags("model", model)
        .serviceLevelObjectives(READY_BUCKETS)
        .register(registry)
        .record(startup.isNegative() ? Duration.ZERO : startup);
  }

  /**
   * Counts a verification (every event but a removal carries a fresh verdict); a removal ends the
   * model's restart and time-to-ready series.
   */
  @Override
  public void onEvent(CatalogEvent event) {
    if (event.type() == CatalogEvent.Type.REMOVED) {
      for (String name : List.of(RESTARTS, TIME_TO_READY)) {
        registry.find(name).tag("model", event.id()).meters().forEach(registry::remove);
      }
      return;
    }
    boolean accepted = event.entry().accepted();
    Counter.builder(VERIFICATIONS)
        .description("GGUF verifications of model files, by verdict and rejection reason")
        .tags(
            "verdict",
            accepted ? "accepted" : "rejected",
            "reason",
            accepted ? "" : event.entry().reason().name().toLowerCase(Locale.ROOT))
        .register(registry)
        .increment();
  }

  /**
   * Sets the gauges from this snapshot (series absent from it are removed) and renders the whole
   * registry as Prometheus text (version 0.0.4).
   */
  synchronized String render(
      List<ModelStatus> snapshot, RoutingRegistry routes, List<BackendMetrics.Scrape> scrapes) {
    Map<String, Integer> byState = new TreeMap<>();
    Map<List<String>, Integer> byInstance = new TreeMap<>(FleetMeters::compare);
    for (ModelStatus m : snapshot) {
      byState.merge(m.state(), 1, Integer::sum);
      m.instances().forEach(i -> byInstance.merge(List.of(m.id(), i.state()), 1, Integer::sum));
    }
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    byState.forEach((state, n) -> rows.add(MultiGauge.Row.of(Tags.of("state", state), n)));
    models.register(rows, true);

    List<MultiGauge.Row<?>> instanceRows = new ArrayList<>();
    byInstance.forEach(
        (k, n) ->
            instanceRows.add(MultiGauge.Row.of(Tags.of("model", k.get(0), "state", k.get(1)), n)));
    instances.register(instanceRows, true);

    tableVersion.register(
        List.of(MultiGauge.Row.of(Tags.of("epoch", routes.epoch()), routes.current().version())),
        true);
    watchers.register(
        List.of(
            MultiGauge.Row.of(Tags.of("kind", "long_poll"), routes.pendingWaiters()),
            MultiGauge.Row.of(Tags.of("kind", "stream"), routes.subscriberCount())),
        true);

    List<MultiGauge.Row<?>> up = new ArrayList<>();
    List<MultiGauge.Row<?>> kv = new ArrayList<>();
    for (BackendMetrics.Scrape s : scrapes) {
      Tags instance =
          Tags.of(
              "model", s.target().model(), "generation", Integer.toString(s.target().generation()));
      up.add(MultiGauge.Row.of(instance, s.text() == null ? 0 : 1));
      s.kvUsage().ifPresent(ratio -> kv.add(MultiGauge.Row.of(instance, ratio)));
    }
    backendsUp.register(up, true);
    kvUsage.register(kv, true);
    return registry.scrape();
  }

  /** Every meter of {@code model} currently registered (for tests and diagnostics). */
  List<Meter> metersOf(String model) {
    return registry.getMeters().stream()
        .filter(m -> model.equals(m.getId().getTag("model")))
        .toList();
  }

  /** Unregisters the GC listeners; the other meters stay on the registry. */
  @Override
  public void close() {
    gc.close();
  }

  private static int compare(List<String> a, List<String> b) {
    int c = a.get(0).compareTo(b.get(0));
    return c != 0 ? c : a.get(1).compareTo(b.get(1));
  }
}
