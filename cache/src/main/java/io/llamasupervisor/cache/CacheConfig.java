package io.llamasupervisor.cache;

import java.net.URI;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.PatternSyntaxException;

/**
 * Settings of the response caches: the global {@code supervisor.cache.*} keys and the per-model
 * {@code supervisor.models."<glob>".cache.*} switches.
 *
 * <p>Immutable; made with {@link #defaults()}, {@link #builder()}, {@link #toBuilder()} or {@link
 * #parse(Map, Units)}. Both caches are off unless a model turns them on. {@link #forModel(String)}
 * applies every matching model rule in order (a later rule wins for the fields it sets), like the
 * launch overrides do.
 *
 * @param maxBytes bound of all cached responses and vectors together (Caffeine weigher); default
 *     256 MiB
 * @param ttl how long an entry lives after it was stored; default 1 h
 * @param backend where entries live: {@link Backend#MEMORY} (this process) or {@link Backend#REDIS}
 *     (shared by every gateway that uses the same Redis)
 * @param redisUrl {@code redis://host:port[/db]}, used when the backend is Redis
 * @param redisTimeout bound of the Redis time of one lookup (all its commands together) and of
 *     every command of a store; default 100 ms
 * @param semanticTimeout the embedder's time budget per lookup; over it, the lookup is a miss;
 *     default 50 ms
 * @param semanticThreshold minimum cosine similarity of a semantic hit; default 0.95
 * @param embedderModel the fleet model whose {@code /v1/embeddings} embeds prompts ({@code
 *     supervisor.cache.semantic.embedder: model:<id>}); null: the in-process all-MiniLM-L6-v2
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
    String embedderModel,
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
  static final Set<String> SEMANTIC_KEYS = Set.of("timeout", "threshold", "embedder");

  /** {@code supervisor.cache.semantic.embedder} for the in-process model (the default). */
  public static final String IN_PROCESS_EMBEDDER = "minilm";

  /** Prefix of {@code supervisor.cache.semantic.embedder} naming a model of the fleet. */
  public static final String MODEL_EMBEDDER_PREFIX = "model:";

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
    return builder().build();
  }

  /** A builder with every field at its default (see {@link #defaults()}). */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder that starts from these settings. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.maxBytes = maxBytes;
    b.ttl = ttl;
    b.backend = backend;
    b.redisUrl = redisUrl;
    b.redisTimeout = redisTimeout;
    b.semanticTimeout = semanticTimeout;
    b.semanticThreshold = semanticThreshold;
    b.embedderModel = embedderModel;
    b.shareAcrossKeys = shareAcrossKeys;
    b.models.addAll(models);
    return b;
  }

  /** A copy with one more model rule at the end. */
  public CacheConfig withModel(String glob, Boolean exact, Boolean semantic, Double threshold) {
    return toBuilder().model(glob, exact, semantic, threshold).build();
  }

  /** A copy with another backend. */
  public CacheConfig withBackend(Backend newBackend, URI url) {
    return toBuilder().backend(newBackend).redisUrl(url).build();
  }

  /** A copy with another byte bound and TTL. */
  public CacheConfig withBounds(long newMaxBytes, Duration newTtl) {
    return toBuilder().maxBytes(newMaxBytes).ttl(newTtl).build();
  }

  /** A copy with another embedder time budget. */
  public CacheConfig withSemanticTimeout(Duration timeout) {
    return toBuilder().semanticTimeout(timeout).build();
  }

  /** Collects fields; {@link #build()} checks them. Not thread-safe. */
  public static final class Builder {
    private long maxBytes = DEFAULT_MAX_BYTES;
    private Duration ttl = DEFAULT_TTL;
    private Backend backend = Backend.MEMORY;
    private URI redisUrl = DEFAULT_REDIS_URL;
    private Duration redisTimeout = DEFAULT_REDIS_TIMEOUT;
    private Duration semanticTimeout = DEFAULT_SEMANTIC_TIMEOUT;
    private double semanticThreshold = DEFAULT_SEMANTIC_THRESHOLD;
    private String embedderModel;
    private boolean shareAcrossKeys;
    private final List<ModelRule> models = new ArrayList<>();

    private Builder() {}

    public Builder maxBytes(long value) {
      maxBytes = value;
      return this;
    }

    public Builder ttl(Duration value) {
      ttl = value;
      return this;
    }

    public Builder backend(Backend value) {
      backend = value;
      return this;
    }

    public Builder redisUrl(URI value) {
      redisUrl = value;
      return this;
    }

    public Builder redisTimeout(Duration value) {
      redisTimeout = value;
      return this;
    }

    /** The embedder's time budget per lookup. */
    public Builder semanticTimeout(Duration value) {
      semanticTimeout = value;
      return this;
    }

    public Builder semanticThreshold(double value) {
      semanticThreshold = value;
      return this;
    }

    /** Prompts are embedded by the fleet model {@code modelId} (null: in-process). */
    public Builder embedderModel(String modelId) {
      embedderModel = modelId;
      return this;
    }

    public Builder shareAcrossKeys(boolean value) {
      shareAcrossKeys = value;
      return this;
    }

    /** One more model rule after those already added. */
    public Builder model(ModelRule rule) {
      models.add(rule);
      return this;
    }

    /** One more model rule after those already added; a null field keeps what earlier rules say. */
    public Builder model(String glob, Boolean exact, Boolean semantic, Double threshold) {
      return model(new ModelRule(glob, exact, semantic, threshold));
    }

    /**
     * @throws IllegalArgumentException naming the first invalid field
     */
    public CacheConfig build() {
      return new CacheConfig(
          maxBytes,
          ttl,
          backend,
          redisUrl,
          redisTimeout,
          semanticTimeout,
          semanticThreshold,
          embedderModel,
          shareAcrossKeys,
          models);
    }
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
   * How the configuration spells durations and sizes. The cache has no grammar of its own: the
   * application passes the one every other key of its configuration uses, so {@code ttl: 1.5h}
   * means the same here as anywhere else. Each method throws {@link IllegalArgumentException} with
   * a message naming the text and the accepted forms.
   */
  public interface Units {
    Duration duration(String text);

    long bytes(String text);

    /** What the JDK reads: ISO-8601 durations ({@code PT1H}) and plain numbers of bytes. */
    Units JDK =
        new Units() {
          @Override
          public Duration duration(String text) {
            try {
              return Duration.parse(text.strip());
            } catch (java.time.format.DateTimeParseException e) {
              throw new IllegalArgumentException(
                  "invalid duration '" + text + "': expected ISO-8601, e.g. PT1H");
            }
          }

          @Override
          public long bytes(String text) {
            try {
              return Long.parseLong(text.strip());
            } catch (NumberFormatException e) {
              throw new IllegalArgumentException(
                  "invalid size '" + text + "': expected a number of bytes");
            }
          }
        };
  }

  /** {@link #parse(Map, Units)} with {@link Units#JDK}. */
  public static CacheConfig parse(Map<String, ?> supervisor) {
    return parse(supervisor, Units.JDK);
  }

  /**
   * Reads the cache settings out of the {@code supervisor} section of the configuration, as nested
   * maps (YAML): {@code cache.*}, {@code defaults.cache.*} (a rule for every model, applied first)
   * and {@code models."<glob>".cache.*}. Other keys are ignored.
   *
   * @param units the configuration's grammar of durations and sizes
   * @throws CacheConfigException naming the key, the value and what is allowed
   */
  public static CacheConfig parse(Map<String, ?> supervisor, Units units) {
    Builder c = builder();
    if (supervisor == null) {
      return c.build();
    }
    Map<String, ?> cache = map(supervisor.get("cache"), "supervisor.cache");
    if (cache != null) {
      unknownKeys(cache, GLOBAL_KEYS, "supervisor.cache");
      if (cache.get("max-bytes") != null) {
        c.maxBytes(bytes(cache.get("max-bytes"), "supervisor.cache.max-bytes", units));
      }
      if (cache.get("ttl") != null) {
        c.ttl(positiveDuration(cache.get("ttl"), "supervisor.cache.ttl", units));
      }
      if (cache.get("backend") != null) {
        c.backend(backend(cache.get("backend")));
      }
      if (cache.get("share-across-keys") != null) {
        c.shareAcrossKeys(
            bool(cache.get("share-across-keys"), "supervisor.cache.share-across-keys"));
      }
      Map<String, ?> redis = map(cache.get("redis"), "supervisor.cache.redis");
      if (redis != null) {
        unknownKeys(redis, REDIS_KEYS, "supervisor.cache.redis");
        if (redis.get("url") != null) {
          c.redisUrl(redisUrl(redis.get("url")));
        }
        if (redis.get("timeout") != null) {
          c.redisTimeout(
              positiveDuration(redis.get("timeout"), "supervisor.cache.redis.timeout", units));
        }
      }
      Map<String, ?> sem = map(cache.get("semantic"), "supervisor.cache.semantic");
      if (sem != null) {
        unknownKeys(sem, SEMANTIC_KEYS, "supervisor.cache.semantic");
        if (sem.get("timeout") != null) {
          c.semanticTimeout(
              positiveDuration(sem.get("timeout"), "supervisor.cache.semantic.timeout", units));
        }
        if (sem.get("threshold") != null) {
          c.semanticThreshold(
              threshold(sem.get("threshold"), "supervisor.cache.semantic.threshold"));
        }
        if (sem.get("embedder") != null) {
          c.embedderModel(embedder(sem.get("embedder")));
        }
      }
    }
    Map<String, ?> defaults = map(supervisor.get("defaults"), "supervisor.defaults");
    if (defaults != null) {
      rule("**", defaults.get("cache"), "supervisor.defaults").ifPresent(c::model);
    }
    Map<String, ?> models = map(supervisor.get("models"), "supervisor.models");
    if (models != null) {
      for (Map.Entry<String, ?> e : models.entrySet()) {
        String where = "supervisor.models.\"" + e.getKey() + "\"";
        Map<String, ?> model = map(e.getValue(), where);
        if (model != null) {
          rule(e.getKey(), model.get("cache"), where).ifPresent(c::model);
        }
      }
    }
    return c.build();
  }

  /** The rule of a {@code cache} section under {@code where}, if there is one. */
  private static Optional<ModelRule> rule(String glob, Object section, String where) {
    Map<String, ?> mc = map(section, where + ".cache");
    if (mc == null) {
      return Optional.empty();
    }
    try {
      ModelRule.compile(glob);
    } catch (PatternSyntaxException ex) {
      throw new CacheConfigException(
          where, "'" + glob + "' is not a valid glob: " + ex.getDescription());
    }
    unknownKeys(mc, MODEL_KEYS, where + ".cache");
    return Optional.of(
        new ModelRule(
            glob,
            mc.get("exact") == null ? null : bool(mc.get("exact"), where + ".cache.exact"),
            mc.get("semantic") == null ? null : bool(mc.get("semantic"), where + ".cache.semantic"),
            mc.get("semantic-threshold") == null
                ? null
                : threshold(mc.get("semantic-threshold"), where + ".cache.semantic-threshold")));
  }

  private static String embedder(Object v) {
    String s = v.toString().trim();
    if (s.equalsIgnoreCase(IN_PROCESS_EMBEDDER) || s.equalsIgnoreCase(MiniLmEmbedder.NAME)) {
      return null;
    }
    if (s.startsWith(MODEL_EMBEDDER_PREFIX) && !s.substring(6).isBlank()) {
      return s.substring(MODEL_EMBEDDER_PREFIX.length()).trim();
    }
    throw new CacheConfigException(
        "supervisor.cache.semantic.embedder",
        "'" + s + "' is not an embedder; allowed: minilm (in-process), model:<id of a model>");
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

  static Duration positiveDuration(Object v, String key, Units units) {
    Duration d;
    if (v instanceof Duration given) {
      d = given;
    } else {
      try {
        d = units.duration(v.toString());
      } catch (IllegalArgumentException e) {
        throw new CacheConfigException(key, e.getMessage());
      }
    }
    if (d.isNegative() || d.isZero()) {
      throw new CacheConfigException(key, "'" + v + "' must be more than 0");
    }
    return d;
  }

  static long bytes(Object v, String key, Units units) {
    if (v instanceof Number n && !(v instanceof Double || v instanceof Float)) {
      if (n.longValue() < 0) {
        throw new CacheConfigException(key, "'" + v + "' must not be negative");
      }
      return n.longValue();
    }
    try {
      return units.bytes(v.toString());
    } catch (IllegalArgumentException e) {
      throw new CacheConfigException(key, e.getMessage());
    }
  }
}
