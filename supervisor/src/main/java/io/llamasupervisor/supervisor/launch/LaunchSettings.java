package io.llamasupervisor.supervisor.launch;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The launch settings of one model after defaults and per-model overrides are applied. Immutable.
 *
 * @param ctxSize context per request (per slot); 0 means the model's training context
 * @param cacheTypeK requested K cache type (the plan may fall back to f16 for a model)
 * @param cacheTypeV requested V cache type (likewise)
 * @param flashAttn {@code --flash-attn}
 * @param parallel number of slots ({@code --parallel}), at least 1
 * @param threads {@code --threads}; 0 means the number of physical cores
 * @param host {@code --host}
 * @param nGpuLayers {@code --n-gpu-layers} ({@code auto}, {@code all} or a count), {@code null} to
 *     leave it out
 * @param metrics whether to pass {@code --metrics}
 * @param webui whether to keep the web UI (otherwise {@code --no-webui})
 * @param extraArgs free-form arguments appended to the command line
 * @param env extra environment variables for the process
 * @param replicas instances of the model serving side by side, each on its own port (default 1)
 * @param start when the model is started: at once, or at its first request
 * @param ttl a running model with no request for this long is stopped (state {@code idle}) until
 *     the next request; {@code null} = never
 * @param pinned with a memory budget: the model is never evicted to make room for another
 * @param priority with a memory budget: models of lower priority are evicted first, and {@code
 *     start: always} models start in order of priority, highest first (default 0)
 */
public record LaunchSettings(
    int ctxSize,
    KvCacheType cacheTypeK,
    KvCacheType cacheTypeV,
    FlashAttn flashAttn,
    int parallel,
    int threads,
    String host,
    String nGpuLayers,
    boolean metrics,
    boolean webui,
    List<String> extraArgs,
    Map<String, String> env,
    int replicas,
    StartMode start,
    java.time.Duration ttl,
    boolean pinned,
    int priority) {

  /**
   * Flags the plan computes itself, mapped to the config key that controls them. Extra arguments
   * must not repeat them: llama-server lets the last occurrence win, which would silently undo the
   * context and cache-type logic.
   */
  public static final Map<String, String> MANAGED_FLAGS = managedFlags();

  public LaunchSettings {
    Objects.requireNonNull(cacheTypeK, "cacheTypeK");
    Objects.requireNonNull(cacheTypeV, "cacheTypeV");
    Objects.requireNonNull(flashAttn, "flashAttn");
    Objects.requireNonNull(host, "host");
    if (ctxSize < 0) {
      throw new IllegalArgumentException("ctx-size must not be negative: " + ctxSize);
    }
    if (parallel < 1) {
      throw new IllegalArgumentException("parallel must be at least 1: " + parallel);
    }
    if (threads < 0) {
      throw new IllegalArgumentException("threads must not be negative: " + threads);
    }
    extraArgs = List.copyOf(extraArgs);
    env = Map.copyOf(env);
    if (replicas < 1) {
      throw new IllegalArgumentException("replicas must be at least 1: " + replicas);
    }
    Objects.requireNonNull(start, "start");
    if (ttl != null && (ttl.isNegative() || ttl.isZero())) {
      throw new IllegalArgumentException("ttl must be more than 0: " + ttl);
    }
  }

  /**
   * The built-in defaults: 4096 per slot, K q8_0, V q4_0, flash-attn auto, 4 slots, one
   * always-started instance without ttl. Other settings are these {@link #with} an override.
   */
  public static LaunchSettings defaults() {
    return new LaunchSettings(
        4096,
        KvCacheType.Q8_0,
        KvCacheType.Q4_0,
        FlashAttn.AUTO,
        4,
        0,
        "127.0.0.1",
        null,
        true,
        false,
        List.of(),
        Map.of(),
        1,
        StartMode.ALWAYS,
        null,
        false,
        0);
  }

  /**
   * These settings with an override's values on top. Scalars and {@code extra-args} are replaced;
   * {@code env} is merged by variable name (the override wins). An override's {@code ttl} of 0
   * means "none".
   */
  public LaunchSettings with(LaunchOverride o) {
    Map<String, String> mergedEnv = new LinkedHashMap<>(env);
    if (o.env() != null) {
      mergedEnv.putAll(o.env());
    }
    return new LaunchSettings(
        o.ctxSize() != null ? o.ctxSize() : ctxSize,
        o.cacheTypeK() != null ? o.cacheTypeK() : cacheTypeK,
        o.cacheTypeV() != null ? o.cacheTypeV() : cacheTypeV,
        o.flashAttn() != null ? o.flashAttn() : flashAttn,
        o.parallel() != null ? o.parallel() : parallel,
        o.threads() != null ? o.threads() : threads,
        o.host() != null ? o.host() : host,
        o.nGpuLayers() != null ? o.nGpuLayers() : nGpuLayers,
        o.metrics() != null ? o.metrics() : metrics,
        o.webui() != null ? o.webui() : webui,
        o.extraArgs() != null ? o.extraArgs() : extraArgs,
        mergedEnv,
        o.replicas() != null ? o.replicas() : replicas,
        o.start() != null ? o.start() : start,
        o.ttl() != null ? (o.ttl().isZero() ? null : o.ttl()) : ttl,
        o.pinned() != null ? o.pinned() : pinned,
        o.priority() != null ? o.priority() : priority);
  }

  private static Map<String, String> managedFlags() {
    Map<String, String> m = new LinkedHashMap<>();
    for (String f : List.of("-m", "--model", "-mm", "--mmproj", "-a", "--alias", "--port")) {
      m.put(f, "(set by the supervisor)");
    }
    m.put("--host", "host");
    for (String f : List.of("-c", "--ctx-size")) {
      m.put(f, "ctx-size");
    }
    for (String f : List.of("-np", "--parallel")) {
      m.put(f, "parallel");
    }
    for (String f : List.of("-ctk", "--cache-type-k")) {
      m.put(f, "cache-type-k");
    }
    for (String f : List.of("-ctv", "--cache-type-v")) {
      m.put(f, "cache-type-v");
    }
    for (String f : List.of("-fa", "--flash-attn")) {
      m.put(f, "flash-attn");
    }
    for (String f : List.of("-t", "--threads")) {
      m.put(f, "threads");
    }
    for (String f : List.of("-ngl", "--gpu-layers", "--n-gpu-layers")) {
      m.put(f, "n-gpu-layers");
    }
    m.put("--metrics", "metrics");
    for (String f : List.of("--ui", "--webui", "--no-ui", "--no-webui")) {
      m.put(f, "webui");
    }
    return Map.copyOf(m);
  }
}
