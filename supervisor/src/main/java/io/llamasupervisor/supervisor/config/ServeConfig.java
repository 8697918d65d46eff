package io.llamasupervisor.supervisor.config;

import io.llamasupervisor.health.LivenessPolicy;
import io.llamasupervisor.process.LogSettings;
import io.llamasupervisor.supervisor.supervise.RestartPolicy;
import io.llamasupervisor.supervisor.supervise.SupervisorSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The {@code serve}-only part of the configuration: supervision, ports, state directory and the API
 * listener. Bound from the same merged tree as {@link SupervisorConfig}.
 *
 * @param supervision how instances are run and restarted
 * @param firstPort first port handed to llama-server instances (default 39000)
 * @param lastPort last port (default 39999)
 * @param apiHost address the API listens on (default 127.0.0.1)
 * @param apiPort port of the API (default 8090)
 */
public record ServeConfig(
    SupervisorSettings supervision, int firstPort, int lastPort, String apiHost, int apiPort) {

  /** The keys directly under {@code supervisor} that this binder reads. */
  static final List<String> TOP = List.of("state-dir", "ports", "supervision", "api");

  /** {@code supervisor.api.*}; {@code keys} is bound by the API itself. */
  static final List<String> API = List.of("host", "port", "keys");

  static final List<String> SUPERVISION =
      List.of(
          "max-concurrent-starts",
          "startup-timeout",
          "startup-timeout-per-gib",
          "stop-grace",
          "resync-interval",
          "keep-instances-on-exit",
          "memory-budget",
          "restart",
          "liveness",
          "drain");
  static final List<String> RESTART =
      List.of("initial-backoff", "max-backoff", "jitter", "stable-after", "max-start-failures");
  static final List<String> LIVENESS =
      List.of("interval", "timeout", "failure-threshold", "canary-interval", "canary-timeout");
  static final List<String> DRAIN = List.of("linger", "timeout");

  /**
   * Binds {@code supervisor.state-dir}, {@code supervisor.ports}, {@code supervisor.supervision.*}
   * and {@code supervisor.api.host/port}.
   *
   * @param defaultStateDir used when {@code supervisor.state-dir} is not set
   * @throws ConfigException naming the key, the value and what is allowed
   */
  public static ServeConfig of(SupervisorConfig config, Path defaultStateDir) {
    ConfigNode sup = new ConfigNode("supervisor", config.tree().get("supervisor").orElse(null));
    Map<String, ConfigNode> top = sup.entries(ConfigBinder.topKeys());
    Path stateDir =
        has(top, "state-dir") ? top.get("state-dir").path() : defaultStateDir.toAbsolutePath();
    int first = 39000;
    int last = 39999;
    if (has(top, "ports")) {
      ConfigNode p = top.get("ports");
      String[] parts = p.string().split("-");
      try {
        first = Integer.parseInt(parts[0].trim());
        last = parts.length > 1 ? Integer.parseInt(parts[1].trim()) : first;
      } catch (NumberFormatException e) {
        throw p.error("expected a port range such as 39000-39999");
      }
      if (parts.length > 2 || first < 1 || last > 65535 || first > last) {
        throw p.error("expected a port range FIRST-LAST within 1-65535");
      }
    }
    Map<String, ConfigNode> s = child(top, sup, "supervision").entries(SUPERVISION);
    if (s.containsKey("memory-budget")) {
      throw new ConfigException(
          s.get("memory-budget").key(),
          "moved: use supervisor.memory.budget (e.g. 24GiB, or {cuda0: 22GiB}); note that"
              + " supervisor.memory.margin (default 1GiB) is kept free of it");
    }
    ConfigNode supNode = child(top, sup, "supervision");
    Map<String, ConfigNode> r = child(s, supNode, "restart").entries(RESTART);
    Map<String, ConfigNode> l = child(s, supNode, "liveness").entries(LIVENESS);
    Map<String, ConfigNode> d = child(s, supNode, "drain").entries(DRAIN);
    SupervisorSettings base = SupervisorSettings.defaults(stateDir);
    RestartPolicy rp = base.restart();
    LivenessPolicy lp = base.liveness();
    try {
      rp =
          new RestartPolicy(
              dur(r, "initial-backoff", rp.initialBackoff()),
              dur(r, "max-backoff", rp.maxBackoff()),
              r.containsKey("jitter") ? fraction(r.get("jitter")) : rp.jitter(),
              dur(r, "stable-after", rp.stableAfter()),
              r.containsKey("max-start-failures")
                  ? r.get("max-start-failures").integer(0, 1000)
                  : rp.maxStartFailures());
    } catch (IllegalArgumentException e) {
      throw new ConfigException("supervisor.supervision.restart", e.getMessage());
    }
    try {
      lp =
          new LivenessPolicy(
              dur(l, "interval", lp.interval()),
              dur(l, "timeout", lp.timeout()),
              l.containsKey("failure-threshold")
                  ? l.get("failure-threshold").integer(1, 1000)
                  : lp.threshold(),
              dur(l, "canary-interval", lp.canaryInterval()),
              dur(l, "canary-timeout", lp.canaryTimeout()));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("supervisor.supervision.liveness", e.getMessage());
    }
    SupervisorSettings settings =
        new SupervisorSettings(
            rp,
            lp,
            s.containsKey("max-concurrent-starts")
                ? s.get("max-concurrent-starts").integer(1, 64)
                : base.maxConcurrentStarts(),
            positive(s, "startup-timeout", base.startupTimeoutBase()),
            dur(s, "startup-timeout-per-gib", base.startupTimeoutPerGib()),
            dur(s, "stop-grace", base.stopGrace()),
            dur(d, "linger", base.drainLinger()),
            positive(d, "timeout", base.drainTimeout()),
            positive(s, "resync-interval", base.resyncInterval()),
            stateDir,
            LogSettings.defaults(stateDir.resolve("logs")),
            s.containsKey("keep-instances-on-exit") && s.get("keep-instances-on-exit").bool(),
            MemoryConfig.of(config));
    Map<String, ConfigNode> api = child(top, sup, "api").entries(API);
    String host = has(api, "host") ? api.get("host").string() : "127.0.0.1";
    int port = has(api, "port") ? api.get("port").integer(0, 65535) : 8090;
    return new ServeConfig(settings, first, last, host, port);
  }

  private static boolean has(Map<String, ConfigNode> m, String k) {
    return m.containsKey(k) && !m.get(k).isNull();
  }

  private static ConfigNode child(Map<String, ConfigNode> m, ConfigNode parent, String k) {
    ConfigNode n = m.get(k);
    return n != null ? n : new ConfigNode(parent.childKey(k), null);
  }

  private static Duration dur(Map<String, ConfigNode> m, String k, Duration dflt) {
    return has(m, k) ? m.get(k).duration() : dflt;
  }

  private static Duration positive(Map<String, ConfigNode> m, String k, Duration dflt) {
    Duration v = dur(m, k, dflt);
    if (v.isZero()) {
      throw m.get(k).error("must be more than 0");
    }
    return v;
  }

  /** A size in the grammar of {@link ByteSizes}. */
  static long bytes(ConfigNode n) {
    try {
      return ByteSizes.parse(n.string());
    } catch (IllegalArgumentException e) {
      throw n.error("expected a size such as " + ByteSizes.FORMS);
    }
  }

  private static double fraction(ConfigNode n) {
    try {
      double v = Double.parseDouble(n.string());
      if (v >= 0 && v <= 1) {
        return v;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw n.error("expected a number from 0 to 1");
  }
}
