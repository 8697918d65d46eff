package io.llamasupervisor.cache;

import java.net.URI;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Settings of the response caches: the global {@code supervisor.cache.*} keys and the per-model
 * {@code supervisor.models."<glob>".cache.*} switches.
 *
 * <p>Both caches are off unless a model turns them on. {@link #forModel(String)} applies every
 * matching model rule in order (a later rule wins for the fields it sets), like the launch
 * overrides do.
 *
 * @param maxBytes bound of all cached responses and vectors together (Caffeine weigher); default
 *     256 MiB
 * @param ttl how long an entry lives after it was stored; default 1 h
 * @param backend where entries live: {@link Backend#MEMORY} (this process) or {@link Backend#REDIS}
 *     (shared by every gateway that uses the same Redis)
 * @param redisUrl {@code redis://host:port[/db]}, used when the backend is Redis
 * @param redisTimeout bound of every Redis command and of connecting; default 100 ms
 * @param semanticTimeout the embedder's time budget per lookup; over it, the lookup is a miss;
 *     default 50 ms
 * @param semanticThreshold minimum cosine similarity of a semantic hit; default 0.95
 * @param shareAcrossKeys whether callers with different API keys share entries; default false
 * @param models per-model rules, in configuration order
 */
public record CacheConfig(
    long maxBytes,
    Duration ttl,
    Backend backend,
    URI redisUrl,
    Duration redisTimeout,
    Duration semanticTimeout,
    double semanticThreshold,
    boolean shareAcrossKeys,
    List<ModelRule> models) {

  public static final long DEFAULT_MAX_BYTES = 256L * 1024 * 1024;
  public static final Duration DEFAULT_TTL = Duration.ofHours(1);
  public static final URI DEFAULT_REDIS_URL = URI.create("redis://127.0.0.1:6379");
  public static final Duration DEFAULT_REDIS_TIMEOUT = Duration.ofMillis(100);
  public static final Duration DEFAULT_SEMANTIC_TIMEOUT = Duration.ofMillis(50);
  public static final double DEFAULT_SEMANTIC_THRESHOLD = 0.95;

  static final Set<String> GLOBAL_KEYS =
      Set.of("max-bytes", "ttl", "backend", "redis", "semantic", "share-across-keys");
  static final Set<String> REDIS_KEYS = Set.of("url", "timeout");
  static final Set<String> SEMANTIC_KEYS = Set.of("timeout", "threshold");
  static final Set<String> MODEL_KEYS = Set.of("exact", "semantic", "semantic-threshold");

  /** Where entries are kept. */
  public enum Backend {
    MEMORY,
    REDIS
  }

  public CacheConfig {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("maxBytes must not be negative, was " + maxBytes);
    }
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl must be more than 0, was " + ttl);
    }
    Objects.requireNonNull(backend, "backend");
    Objects.requireNonNull(redisUrl, "redisUrl");
    Objects.requireNonNull(redisTimeout, "redisTimeout");
    Objects.requireNonNull(semanticTimeout, "semanticTimeout");
    requireThreshold(semanticThreshold, "semanticThreshold");
    models = List.copyOf(models);
  }

  /** Defaults: everything off, memory backend. */
  public static CacheConfig defaults() {
    return new CacheConfig(
        DEFAULT_MAX_BYTES,
        DEFAULT_TTL,
        Backend.MEMORY,
        DEFAULT_REDIS_URL,
        DEFAULT_REDIS_TIMEOUT,
        DEFAULT_SEMANTIC_TIMEOUT,
        DEFAULT_SEMANTIC_THRESHOLD,
        false,
        List.of());
  }

  /** A copy with one more model rule at the end. */
  public CacheConfig withModel(String glob, Boolean exact, Boolean semantic, Double threshold) {
    List<ModelRule> rules = new ArrayList<>(models);
    rules.add(new ModelRule(glob, exact, semantic, threshold));
    return new CacheConfig(
        maxBytes,
        ttl,
        backend,
        redisUrl,
        redisTimeout,
        semanticTimeout,
        semanticThreshold,
        shareAcrossKeys,
        rules);
  }

  /** A copy with another backend. */
  public CacheConfig withBackend(Backend newBackend, URI url) {
    return new CacheConfig(
        maxBytes,
        ttl,
        newBackend,
        url,
        redisTimeout,
        semanticTimeout,
        semanticThreshold,
        shareAcrossKeys,
        models);
  }

  /** A copy with another byte bound and TTL. */
  public CacheConfig withBounds(long newMaxBytes, Duration newTtl) {
    return new CacheConfig(
        newMaxBytes,
        newTtl,
        backend,
        redisUrl,
        redisTimeout,
        semanticTimeout,
        semanticThreshold,
        shareAcrossKeys,
        models);
  }

  /** A copy with another embedder time budget. */
  public CacheConfig withSemanticTimeout(Duration timeout) {
    return new CacheConfig(
        maxBytes,
        ttl,
        backend,
        redisUrl,
        redisTimeout,
        timeout,
        semanticThreshold,
        shareAcrossKeys,
        models);
  }

  /** What the caches do for {@code modelId}: every matching rule applied in order. */
  public ModelCacheSettings forModel(String modelId) {
    boolean exact = false;
    boolean semantic = false;
    double threshold = semanticThreshold;
    for (ModelRule rule : models) {
      if (rule.matches(modelId)) {
        exact = rule.exact() != null ? rule.exact() : exact;
        semantic = rule.semantic() != null ? rule.semantic() : semantic;
        threshold = rule.semanticThreshold() != null ? rule.semanticThreshold() : threshold;
      }
    }
    return new ModelCacheSettings(exact, semantic, threshold);
  }

  /**
   * A {@code supervisor.models."<glob>".cache} section; a {@code null} field keeps what earlier
   * rules (or the defaults) said.
   */
  public record ModelRule(String glob, Boolean exact, Boolean semantic, Double semanticThreshold) {
    public ModelRule {
      Objects.requireNonNull(glob, "glob");
      compile(glob);
      if (semanticThreshold != null) {
        requireThreshold(semanticThreshold, "semanticThreshold");
      }
    }

    /** Whether this rule applies to {@code modelId}. */
    public boolean matches(String modelId) {
      return compile(glob).matches(Path.of(modelId));
    }

    static PathMatcher compile(String glob) {
      if (glob.isBlank()) {
        throw new PatternSyntaxException("empty glob", glob, 0);
      }
      return FileSystems.getDefault().getPathMatcher("glob:" + glob);
    }
  }

  /** The effective settings for one model. */
  public record ModelCacheSettings(boolean exact, boolean semantic, double semanticThreshold) {
    /** Whether anything is cached for this model. */
    public boolean enabled() {
      return exact || semantic;
    }
  }

  private static void requireThreshold(double t, String name) {
    if (!(t > 0 && t <= 1)) {
      throw new IllegalArgumentException(name + " must be in (0, 1], was " + t);
    }
  }

  // ---------------------------------------------------------------- parsing

  /**
   * Reads the cache settings out of the {@code supervisor} section of the configuration, as nested
   * maps (YAML): {@code cache.*} and {@code models."<glob>".cache.*}. Other keys are ignored.
   *
   * @throws CacheConfigException naming the key, the value and what is allowed
   */
  public static CacheConfig parse(Map<String, ?> supervisor) {
    CacheConfig c = defaults();
    if (supervisor == null) {
      return c;
    }
    Map<String, ?> cache = map(supervisor.get("cache"), "supervisor.cache");
    long maxBytes = c.maxBytes();
    Duration ttl = c.ttl();
    Backend backend = c.backend();
    URI redisUrl = c.redisUrl();
    Duration redisTimeout = c.redisTimeout();
    Duration semTimeout = c.semanticTimeout();
    double threshold = c.semanticThreshold();
    boolean share = c.shareAcrossKeys();
    if (cache != null) {
      unknownKeys(cache, GLOBAL_KEYS, "supervisor.cache");
      if (cache.get("max-bytes") != null) {
        maxBytes = bytes(cache.get("max-bytes"), "supervisor.cache.max-bytes");
      }
      if (cache.get("ttl") != null) {
        ttl = positiveDuration(cache.get("ttl"), "supervisor.cache.ttl");
      }
      if (cache.get("backend") != null) {
        backend = backend(cache.get("backend"));
      }
      if (cache.get("share-across-keys") != null) {
        share = bool(cache.get("share-across-keys"), "supervisor.cache.share-across-keys");
      }
      Map<String, ?> redis = map(cache.get("redis"), "supervisor.cache.redis");
      if (redis != null) {
        unknownKeys(redis, REDIS_KEYS, "supervisor.cache.redis");
        if (redis.get("url") != null) {
          redisUrl = redisUrl(redis.get("url"));
        }
        if (redis.get("timeout") != null) {
          redisTimeout = positiveDuration(redis.get("timeout"), "supervisor.cache.redis.timeout");
        }
      }
      Map<String, ?> sem = map(cache.get("semantic"), "supervisor.cache.semantic");
      if (sem != null) {
        unknownKeys(sem, SEMANTIC_KEYS, "supervisor.cache.semantic");
        if (sem.get("timeout") != null) {
          semTimeout = positiveDuration(sem.get("timeout"), "supervisor.cache.semantic.timeout");
        }
        if (sem.get("threshold") != null) {
          threshold = threshold(sem.get("threshold"), "supervisor.cache.semantic.threshold");
        }
      }
    }
    List<ModelRule> rules = new ArrayList<>();
    Map<String, ?> models = map(supervisor.get("models"), "supervisor.models");
    if (models != null) {
      for (Map.Entry<String, ?> e : models.entrySet()) {
        String where = "supervisor.models.\"" + e.getKey() + "\"";
        Map<String, ?> model = map(e.getValue(), where);
        if (model == null) {
          continue;
        }
        Map<String, ?> mc = map(model.get("cache"), where + ".cache");
        if (mc == null) {
          continue;
        }
        try {
          ModelRule.compile(e.getKey());
        } catch (PatternSyntaxException ex) {
          throw new CacheConfigException(
              where, "'" + e.getKey() + "' is not a valid glob: " + ex.getDescription());
        }
        unknownKeys(mc, MODEL_KEYS, where + ".cache");
        rules.add(
            new ModelRule(
                e.getKey(),
                mc.get("exact") == null ? null : bool(mc.get("exact"), where + ".cache.exact"),
                mc.get("semantic") == null
                    ? null
                    : bool(mc.get("semantic"), where + ".cache.semantic"),
                mc.get("semantic-threshold") == null
                    ? null
                    : threshold(
                        mc.get("semantic-threshold"), where + ".cache.semantic-threshold")));
      }
    }
    if (backend == Backend.REDIS && redisUrl == null) {
      throw new CacheConfigException(
          "supervisor.cache.redis.url", "is required with backend redis");
    }
    return new CacheConfig(
        maxBytes, ttl, backend, redisUrl, redisTimeout, semTimeout, threshold, share, rules);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, ?> map(Object value, String key) {
    if (value == null) {
      return null;
    }
    if (value instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        out.put(String.valueOf(e.getKey()), e.getValue());
      }
      return out;
    }
    throw new CacheConfigException(key, "must be a map of keys, was '" + value + "'");
  }

  private static void unknownKeys(Map<String, ?> m, Set<String> allowed, String where) {
    for (String k : m.keySet()) {
      if (!allowed.contains(k)) {
        throw new CacheConfigException(
            where + "." + k, "unknown key; allowed: " + String.join(", ", sorted(allowed)));
      }
    }
  }

  private static List<String> sorted(Set<String> s) {
    List<String> l = new ArrayList<>(s);
    l.sort(null);
    return l;
  }

  private static boolean bool(Object v, String key) {
    if (v instanceof Boolean b) {
      return b;
    }
    String s = v.toString().trim().toLowerCase(Locale.ROOT);
    if (s.equals("true")) {
      return true;
    }
    if (s.equals("false")) {
      return false;
    }
    throw new CacheConfigException(key, "'" + v + "' is not a boolean; allowed: true, false");
  }

  private static double threshold(Object v, String key) {
    double d;
    if (v instanceof Number n) {
      d = n.doubleValue();
    } else {
      try {
        d = Double.parseDouble(v.toString().trim());
      } catch (NumberFormatException e) {
        throw new CacheConfigException(key, "'" + v + "' is not a number");
      }
    }
    if (!(d > 0 && d <= 1)) {
      throw new CacheConfigException(
          key, "'" + v + "' is out of range; a cosine similarity in (0, 1], e.g. 0.95");
    }
    return d;
  }

  private static Backend backend(Object v) {
    String s = v.toString().trim().toLowerCase(Locale.ROOT);
    return switch (s) {
      case "memory" -> Backend.MEMORY;
      case "redis" -> Backend.REDIS;
      default ->
          throw new CacheConfigException(
              "supervisor.cache.backend", "'" + v + "' is not a backend; allowed: memory, redis");
    };
  }

  private static URI redisUrl(Object v) {
    String s = v.toString().trim();
    URI u;
    try {
      u = URI.create(s);
    } catch (IllegalArgumentException e) {
      throw new CacheConfigException("supervisor.cache.redis.url", "'" + s + "' is not a URL");
    }
    if (!"redis".equals(u.getScheme()) && !"rediss".equals(u.getScheme()) || u.getHost() == null) {
      throw new CacheConfigException(
          "supervisor.cache.redis.url",
          "'" + s + "' is not a Redis URL; expected redis://host:port[/db]");
    }
    return u;
  }

  private static final Pattern SIMPLE_DURATION =
      Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)", Pattern.CASE_INSENSITIVE);
  private static final Pattern SIZE =
      Pattern.compile("(\\d+)\\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?", Pattern.CASE_INSENSITIVE);

  static Duration positiveDuration(Object v, String key) {
    Duration d = duration(v, key);
    if (d.isNegative() || d.isZero()) {
      throw new CacheConfigException(key, "'" + v + "' must be more than 0");
    }
    return d;
  }

  static Duration duration(Object v, String key) {
    if (v instanceof Duration d) {
      return d;
    }
    String s = v.toString().trim();
    Matcher m = SIMPLE_DURATION.matcher(s);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2).toLowerCase(Locale.ROOT)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    }
    try {
      return Duration.parse(s);
    } catch (DateTimeParseException e) {
      throw new CacheConfigException(
          key, "'" + s + "' is not a duration; e.g. 50ms, 2s, 1m, 1h or PT1H");
    }
  }

  static long bytes(Object v, String key) {
    if (v instanceof Number n && n.longValue() >= 0) {
      return n.longValue();
    }
    Matcher m = SIZE.matcher(v.toString().trim());
    if (!m.matches()) {
      throw new CacheConfigException(
          key, "'" + v + "' is not a size; e.g. 268435456, 256MiB, 1GiB, 512MB");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
    long mul =
        switch (unit) {
          case "b" -> 1L;
          case "k", "kib" -> 1L << 10;
          case "kb" -> 1000L;
          case "m", "mib" -> 1L << 20;
          case "mb" -> 1000_000L;
          case "g", "gib" -> 1L << 30;
          default -> 1000_000_000L;
        };
    try {
      return Math.multiplyExact(n, mul);
    } catch (ArithmeticException e) {
      throw new CacheConfigException(key, "'" + v + "' is too large");
    }
  }
}
