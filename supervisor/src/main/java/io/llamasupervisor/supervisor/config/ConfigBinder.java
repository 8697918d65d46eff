package io.llamasupervisor.supervisor.config;

import io.llamasupervisor.supervisor.catalog.CatalogOptions;
import io.llamasupervisor.supervisor.launch.FlashAttn;
import io.llamasupervisor.supervisor.launch.KvCacheType;
import io.llamasupervisor.supervisor.launch.LaunchConfig;
import io.llamasupervisor.supervisor.launch.LaunchOverride;
import io.llamasupervisor.supervisor.launch.LaunchSettings;
import io.llamasupervisor.supervisor.launch.StartMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.PatternSyntaxException;

/**
 * Binds the {@code supervisor} section of a {@link ConfigTree} to {@link SupervisorConfig},
 * validating every value. A key no binder reads is an error at every level, naming its full path
 * and the closest known key (a typo would otherwise lose the setting silently). The known keys are
 * the lists each binder reads its level with ({@link ConfigNode#entries}): a new key is added to
 * the list of the level it belongs to, a new section under {@code supervisor} to the {@code TOP}
 * list of the class that binds it ({@link #TOP}, {@link ServeConfig#TOP}, {@link
 * ClusterConfig#TOP}).
 *
 * <p>The response cache's keys ({@code supervisor.cache.*} and the {@code cache} section of {@code
 * defaults} and of each model rule) are bound by the cache module, which the core does not depend
 * on: this binder lets them through ({@link #CACHE}), the application binds them with the same
 * duration and size grammar ({@link Durations}, {@link ByteSizes}) and reports every bad key or
 * value with its full path.
 */
final class ConfigBinder {
  static final int MAX_CTX = 1 << 20;
  static final int MAX_PARALLEL = 256;
  static final int MAX_THREADS = 1024;
  static final int MAX_REPLICAS = 64;

  /** The keys directly under {@code supervisor} that this binder reads. */
  static final List<String> TOP =
      List.of("models-dir", "llama-server", "catalog", "defaults", "models");

  /** The response cache's section, directly under {@code supervisor} and in each launch rule. */
  static final String CACHE = "cache";

  /** The top-level sections of a configuration document. */
  static final List<String> ROOT = List.of("supervisor", "micronaut");

  static final List<String> CATALOG_KEYS =
      List.of("poll-interval", "stable-after", "follow-symlinks-outside", "sha256", "watch");
  static final List<String> LAUNCH_KEYS =
      List.of(
          "ctx-size",
          "cache-type-k",
          "cache-type-v",
          "flash-attn",
          "parallel",
          "threads",
          "host",
          "n-gpu-layers",
          "metrics",
          "webui",
          "extra-args",
          "env",
          "replicas",
          "start",
          "ttl",
          "pinned",
          "priority",
          CACHE);

  private ConfigBinder() {}

  static SupervisorConfig bind(ConfigTree tree) {
    new ConfigNode("", tree.asMap()).entries(ROOT);
    ConfigNode sup = new ConfigNode("supervisor", tree.get("supervisor").orElse(null));
    Map<String, ConfigNode> top = sup.entries(topKeys());

    Path modelsDir = null;
    ConfigNode md = top.get("models-dir");
    if (md != null && !md.isNull()) {
      modelsDir = md.path();
    }
    String binary = LaunchConfig.DEFAULT_BINARY;
    ConfigNode ls = top.get("llama-server");
    if (ls != null && !ls.isNull()) {
      binary = ls.string();
    }
    CatalogOptions catalog = catalog(modelsDir, node(top, sup, "catalog"));
    LaunchSettings defaults =
        LaunchSettings.defaults().with(override("*", node(top, sup, "defaults")));
    List<LaunchOverride> overrides = new ArrayList<>();
    for (Map.Entry<String, ConfigNode> e : node(top, sup, "models").entries(null).entrySet()) {
      overrides.add(override(e.getKey(), e.getValue()));
    }
    return new SupervisorConfig(catalog, new LaunchConfig(binary, defaults, overrides), tree);
  }

  /** Every key allowed directly under {@code supervisor}. */
  static List<String> topKeys() {
    List<String> all = new ArrayList<>(TOP);
    all.addAll(ServeConfig.TOP);
    all.addAll(ClusterConfig.TOP);
    all.add(GatewayConfig.SECTION);
    all.add(MemoryConfig.SECTION);
    all.add(CACHE);
    return all;
  }

  private static ConfigNode node(Map<String, ConfigNode> top, ConfigNode parent, String name) {
    ConfigNode n = top.get(name);
    return n != null ? n : new ConfigNode(parent.childKey(name), null);
  }

  private static CatalogOptions catalog(Path modelsDir, ConfigNode node) {
    Map<String, ConfigNode> f = node.entries(CATALOG_KEYS);
    Duration poll =
        f.containsKey("poll-interval")
            ? f.get("poll-interval").duration()
            : CatalogOptions.DEFAULT_POLL_INTERVAL;
    if (poll.isZero()) {
      throw f.get("poll-interval").error("must be more than 0");
    }
    Duration stable = f.containsKey("stable-after") ? f.get("stable-after").duration() : poll;
    return new CatalogOptions(
        modelsDir,
        poll,
        stable,
        f.containsKey("follow-symlinks-outside") && f.get("follow-symlinks-outside").bool(),
        f.containsKey("sha256") && f.get("sha256").bool(),
        !f.containsKey("watch") || f.get("watch").bool());
  }

  /** The launch fields of {@code node} as an override; absent fields stay {@code null}. */
  private static LaunchOverride override(String glob, ConfigNode node) {
    try {
      LaunchOverride.compile(glob);
    } catch (PatternSyntaxException e) {
      throw new ConfigException(
          node.key(), "'" + glob + "' is not a valid glob: " + e.getDescription());
    }
    Map<String, ConfigNode> f = node.entries(LAUNCH_KEYS);
    return new LaunchOverride(
        glob,
        f.containsKey("ctx-size") ? f.get("ctx-size").integer(0, MAX_CTX) : null,
        f.containsKey("cache-type-k") ? cacheType(f.get("cache-type-k")) : null,
        f.containsKey("cache-type-v") ? cacheType(f.get("cache-type-v")) : null,
        f.containsKey("flash-attn") ? flashAttn(f.get("flash-attn")) : null,
        f.containsKey("parallel") ? f.get("parallel").integer(1, MAX_PARALLEL) : null,
        f.containsKey("threads") ? threads(f.get("threads")) : null,
        f.containsKey("host") ? f.get("host").string() : null,
        f.containsKey("n-gpu-layers") ? gpuLayers(f.get("n-gpu-layers")) : null,
        f.containsKey("metrics") ? f.get("metrics").bool() : null,
        f.containsKey("webui") ? f.get("webui").bool() : null,
        f.containsKey("extra-args") ? extraArgs(f.get("extra-args")) : null,
        f.containsKey("env") ? env(f.get("env")) : null,
        f.containsKey("replicas") ? f.get("replicas").integer(1, MAX_REPLICAS) : null,
        f.containsKey("start") ? startMode(f.get("start")) : null,
        f.containsKey("ttl") ? ttl(f.get("ttl")) : null,
        f.containsKey("pinned") ? f.get("pinned").bool() : null,
        f.containsKey("priority") ? f.get("priority").integer(-1000, 1000) : null);
  }

  private static KvCacheType cacheType(ConfigNode n) {
    return KvCacheType.parse(n.isNull() ? null : n.value().toString())
        .orElseThrow(() -> n.error("allowed: " + KvCacheType.allowed()));
  }

  private static StartMode startMode(ConfigNode n) {
    return StartMode.parse(n.value()).orElseThrow(() -> n.error("allowed: always, on-demand"));
  }

  /** A duration; {@code none} or 0 = no ttl (returned as zero). */
  private static Duration ttl(ConfigNode n) {
    if (n.isNull() || (n.value() instanceof String s && s.trim().equalsIgnoreCase("none"))) {
      return Duration.ZERO;
    }
    return n.duration();
  }

  private static FlashAttn flashAttn(ConfigNode n) {
    return FlashAttn.parse(n.value()).orElseThrow(() -> n.error("allowed: on, off, auto"));
  }

  private static int threads(ConfigNode n) {
    if (n.value() instanceof String s && s.trim().equalsIgnoreCase("auto")) {
      return 0;
    }
    return n.integer(0, MAX_THREADS);
  }

  private static String gpuLayers(ConfigNode n) {
    String s = n.string().toLowerCase(Locale.ROOT);
    if (s.equals("auto") || s.equals("all")) {
      return s;
    }
    return Integer.toString(n.integer(0, 100_000));
  }

  private static List<String> extraArgs(ConfigNode n) {
    List<String> args = n.stringList();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      String flag = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
      String managed = LaunchSettings.MANAGED_FLAGS.get(flag);
      if (managed != null) {
        throw new ConfigException(
            n.key() + "[" + i + "]",
            "'"
                + a
                + "' is set by the plan"
                + (managed.startsWith("(") ? " " + managed : "; use the key '" + managed + "'"));
      }
    }
    return args;
  }

  private static Map<String, String> env(ConfigNode n) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, ConfigNode> e : n.entries(null).entrySet()) {
      if (!e.getKey().matches("[A-Za-z_][A-Za-z0-9_]*")) {
        throw new ConfigException(
            e.getValue().key(), "not a valid environment variable name (letters, digits, _)");
      }
      Object v = e.getValue().value();
      if (v == null || v instanceof Map<?, ?> || v instanceof List<?>) {
        throw e.getValue().error("expected a single value");
      }
      out.put(e.getKey(), v.toString());
    }
    return out;
  }
}
