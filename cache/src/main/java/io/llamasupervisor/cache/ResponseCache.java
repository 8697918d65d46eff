package io.llamasupervisor.cache;

import com.github.benmanes.caffeine.cache.Ticker;
import io.llamasupervisor.cache.CacheConfig.ModelCacheSettings;
import io.llamasupervisor.cache.CacheLookup.Bypass;
import io.llamasupervisor.cache.CacheLookup.BypassReason;
import io.llamasupervisor.cache.CacheLookup.Hit;
import io.llamasupervisor.cache.CacheLookup.Miss;
import io.llamasupervisor.cache.CacheLookup.SemanticHit;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's response caches: exact (same model, same serving plan, same canonical body) and
 * semantic (same scope, a rephrased last user message that passes the similarity threshold and the
 * lexical guard).
 *
 * <p>Use: {@link #lookup} before forwarding a request to {@code /v1/chat/completions} or {@code
 * /v1/completions}; serve a {@link Hit} or {@link SemanticHit} as it is; forward a {@link Miss} or
 * {@link Bypass} and feed the upstream response to its {@link CacheLookup#recorder()}. Set {@code
 * X-Cache} (and {@code X-Cache-Similarity}) from the result.
 *
 * <p>{@code lookup} waits for at most the embedder timeout ({@code
 * supervisor.cache.semantic.timeout}) plus the Redis timeout ({@code
 * supervisor.cache.redis.timeout} bounds the time of all of a lookup's Redis commands together: the
 * exact get, the scope's sync and the candidates' gets); call it off an event loop. After a Redis
 * timeout or error, lookups skip Redis for a second (misses at once) before they try it again. It
 * never throws: whatever fails inside the cache makes the request a miss or a bypass and is counted
 * and logged; a backend that did not answer never counts a candidate as expired nor drops its
 * vector.
 *
 * <p><b>Scope.</b> Entries are keyed by endpoint, model id, plan hash, caller (the API key's name,
 * unless {@code share-across-keys}), {@code X-Cache-Scope} and the canonical body; semantic entries
 * are searched only among entries whose scope — the same fields and the canonical body without the
 * last user message's text — is identical. See {@link CanonicalRequest} for what is canonical and
 * deterministic, and {@link LexicalGuard} for the guard.
 */
public final class ResponseCache implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ResponseCache.class);
  private static final int CANDIDATES = 4;

  /** The largest response recorded (bytes as received); a larger one is not stored. */
  static final long MAX_ENTRY_BYTES = 8L * 1024 * 1024;

  private static final Duration STORE_EMBED_TIMEOUT = Duration.ofSeconds(10);
  private static final byte[] EMPTY = new byte[0];

  private final CacheConfig config;
  private final Clock clock;
  private final CacheMetrics metrics;
  private final Embedder embedder;
  private final boolean guard;
  private final SemanticIndex index;
  private final CacheStore store;
  private final ThreadPoolExecutor embedPool;
  private final ScheduledExecutorService worker;
  private final String backendName;
  private final java.util.Map<String, ModelCacheSettings> settingsByModel =
      new java.util.concurrent.ConcurrentHashMap<>();
  private static final Duration REFRESH_EVERY = Duration.ofSeconds(2);

  /**
   * How often expired entries leave the store and the index. Expiry itself is exact at lookup; this
   * only returns memory, so a second is enough (ten wakes a second cost an idle `serve` 2 ms/s).
   */
  private static final Duration MAINTAIN_EVERY = Duration.ofSeconds(1);

  private long lastRefresh = System.nanoTime();

  private ResponseCache(Builder b) {
    this.config = b.config;
    this.clock = b.clock;
    this.metrics = new CacheMetrics(b.registry);
    this.guard = b.lexicalGuard;
    this.index = new SemanticIndex(b.flatLimit);
    this.embedder = b.embedder != null ? b.embedder : new LazyEmbedder(MiniLmEmbedder::new);
    Ticker ticker = () -> TimeUnit.MILLISECONDS.toNanos(clock.millis());
    if (config.backend() == CacheConfig.Backend.REDIS) {
      this.store =
          new RedisStore(
              config.redisUrl(), config.redisTimeout(), config.ttl(), clock, index, metrics);
      this.backendName = "redis";
    } else {
      this.store = new MemoryStore(config.maxBytes(), config.ttl(), ticker, index, metrics);
      this.backendName = "memory";
    }
    this.embedPool =
        new ThreadPoolExecutor(
            b.embedThreads,
            b.embedThreads,
            0,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(64),
            daemon("cache-embed"));
    ScheduledThreadPoolExecutor w = new ScheduledThreadPoolExecutor(1, daemon("cache-worker"));
    w.setRemoveOnCancelPolicy(true);
    this.worker = w;
    worker.scheduleWithFixedDelay(
        this::maintain,
        MAINTAIN_EVERY.toMillis(),
        MAINTAIN_EVERY.toMillis(),
        TimeUnit.MILLISECONDS);
    metrics.gauges(store::exactEntries, index::size, store::bytes);
    if (config.models().stream().anyMatch(r -> Boolean.TRUE.equals(r.semantic()))) {
      embedAsync("warm up"); // loads the model before the first request needs it
    }
  }

  /** A cache with the in-process MiniLM embedder and the system clock. */
  public static ResponseCache create(CacheConfig config, MeterRegistry registry) {
    return builder(config, registry).build();
  }

  public static Builder builder(CacheConfig config, MeterRegistry registry) {
    return new Builder(config, registry);
  }

  /** Options of a {@link ResponseCache}. */
  public static final class Builder {
    private final CacheConfig config;
    private final MeterRegistry registry;
    private Clock clock = Clock.systemUTC();
    private Embedder embedder;
    private int flatLimit = SemanticIndex.DEFAULT_FLAT_LIMIT;
    private boolean lexicalGuard = true;
    private int embedThreads = 2;

    private Builder(CacheConfig config, MeterRegistry registry) {
      this.config = Objects.requireNonNull(config, "config");
      this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** The clock for TTLs and store times (default: the system clock). */
    public Builder clock(Clock c) {
      this.clock = Objects.requireNonNull(c, "clock");
      return this;
    }

    /** Another embedder, e.g. a llama-server embedding model (default: in-process MiniLM). */
    public Builder embedder(Embedder e) {
      this.embedder = Objects.requireNonNull(e, "embedder");
      return this;
    }

    /** Threads that embed prompts (default 2). */
    public Builder embedThreads(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("embedThreads must be at least 1, was " + n);
      }
      this.embedThreads = n;
      return this;
    }

    Builder flatLimit(int n) {
      this.flatLimit = n;
      return this;
    }

    /** Only for measuring what the guard is worth: never turn it off in production. */
    Builder lexicalGuard(boolean on) {
      this.lexicalGuard = on;
      return this;
    }

    public ResponseCache build() {
      return new ResponseCache(this);
    }
  }

  // ------------------------------------------------------------------ lookup

  /** What to do with {@code request}; never throws. */
  public CacheLookup lookup(CacheRequest request) {
    String model = request.modelId();
    CacheLookup result;
    try {
      result = decide(request);
    } catch (RuntimeException e) {
      LOG.warn("cache lookup failed for model {}; the request passes uncached", model, e);
      result = new Bypass(BypassReason.INTERNAL_ERROR, ResponseRecorder.NONE);
    }
    if (result instanceof Bypass b) {
      metrics.bypass(model, b.reason().label());
    }
    metrics.request(model, result.header());
    return result;
  }

  /**
   * Counts a cacheable request the gateway passed without a lookup, as {@link #lookup} counts its
   * bypasses (e.g. {@link BypassReason#NOT_SERVING}).
   */
  public void bypassed(String modelId, BypassReason reason) {
    metrics.bypass(modelId, reason.label());
    metrics.request(modelId, "bypass");
  }

  /**
   * Whether anything is cached for {@code modelId}; when not, {@link #lookup} answers a {@link
   * Bypass} at once without looking at the body (cheap enough for an event loop).
   */
  public boolean caches(String modelId) {
    return settings(modelId).enabled();
  }

  /**
   * Whether a {@link #lookup} for {@code modelId} may wait: on the semantic embedder, or on Redis.
   * When not (an exact cache in memory), a lookup is parsing, hashing and one in-memory get — tens
   * of microseconds — and may run on the caller's event loop instead of being handed to a thread.
   */
  public boolean lookupMayWait(String modelId) {
    return config.backend() == CacheConfig.Backend.REDIS || settings(modelId).semantic();
  }

  private ModelCacheSettings settings(String modelId) {
    ModelCacheSettings s = settingsByModel.get(modelId);
    if (s == null) {
      s = config.forModel(modelId);
      if (settingsByModel.size() < 10_000) {
        settingsByModel.put(modelId, s);
      }
    }
    return s;
  }

  private CacheLookup decide(CacheRequest r) {
    ModelCacheSettings settings = settings(r.modelId());
    if (!settings.enabled()) {
      return new Bypass(BypassReason.DISABLED, ResponseRecorder.NONE);
    }
    boolean noCache = r.cacheControl("no-cache");
    boolean noStore = r.cacheControl("no-store");
    if (noCache && noStore) {
      return new Bypass(BypassReason.NO_CACHE_NO_STORE, ResponseRecorder.NONE);
    }
    Optional<CanonicalRequest> parsed =
        CanonicalRequest.parse(r.endpoint(), r.body(), settings.semantic());
    if (parsed.isEmpty()) {
      return new Bypass(BypassReason.INVALID_BODY, ResponseRecorder.NONE);
    }
    CanonicalRequest req = parsed.get();
    if (!req.deterministic()) {
      return new Bypass(BypassReason.NOT_DETERMINISTIC, ResponseRecorder.NONE);
    }
    String prefix =
        String.join(
            "\u0000",
            r.endpoint().path(),
            r.modelId(),
            r.planHash(),
            config.shareAcrossKeys() || r.caller() == null ? "" : r.caller(),
            r.cacheScope() == null ? "" : r.cacheScope().trim());
    String key = sha256(prefix, "\u0000exact\u0000", req.canonical());
    String prompt = null;
    String scope = null;
    if (settings.semantic() && req.semanticPrompt().isPresent()) {
      prompt = req.semanticPrompt().get();
      // vectors of different embedders are not comparable: each has its own scopes
      scope =
          sha256(
              prefix,
              "\u0000semantic\u0000",
              embedder.name(),
              "\u0000",
              req.semanticScopeForm().orElseThrow());
    } else if (!settings.exact()) {
      // only the semantic cache, which cannot serve this request: its answer would be stored as an
      // exact entry that nothing serves, taking the byte bound from entries that are served
      return new Bypass(BypassReason.NO_SEMANTIC_PROMPT, ResponseRecorder.NONE);
    }

    CompletableFuture<float[]> embedding = null;
    if (!noCache) {
      // all of this lookup's backend commands together wait at most the Redis timeout
      BackendBudget budget = BackendBudget.of(config.redisTimeout());
      if (settings.exact()) {
        Optional<StoredEntry> hit = store.get(key, budget);
        Replay replay =
            hit.map(e -> Responses.render(e, req.stream(), req.includeUsage())).orElse(null);
        if (replay != null) {
          return new Hit(replay);
        }
        // absent, or a stream without the usage this request gets: its answer replaces the entry
      }
      if (scope != null && !budget.failed()) { // no backend now: no semantic hit to serve either
        embedding = embedAsync(prompt);
        float[] v = await(embedding);
        if (v != null) {
          Optional<CacheLookup> semantic =
              searchSemantic(r.modelId(), settings, scope, prompt, v, req, budget);
          if (semantic.isPresent()) {
            return semantic.get();
          }
        }
      }
    }
    ResponseRecorder recorder =
        noStore
            ? ResponseRecorder.NONE
            : new Recorder(
                r.modelId(), r.endpoint(), settings.exact(), key, scope, prompt, embedding);
    return noCache ? new Bypass(BypassReason.NO_CACHE, recorder) : new Miss(recorder);
  }

  private Optional<CacheLookup> searchSemantic(
      String model,
      ModelCacheSettings settings,
      String scope,
      String prompt,
      float[] v,
      CanonicalRequest req,
      BackendBudget budget) {
    store.sync(scope, budget);
    if (budget.failed()) {
      return Optional.empty(); // no candidate's answer could be fetched
    }
    List<SemanticIndex.Candidate> candidates = index.search(scope, v, CANDIDATES);
    boolean first = true;
    for (SemanticIndex.Candidate c : candidates) {
      if (c.similarity() < settings.semanticThreshold()) {
        if (first) {
          metrics.rejected(model, "threshold");
        }
        break;
      }
      first = false;
      if (guard && LexicalGuard.compare(prompt, c.entry().prompt()) != LexicalGuard.Verdict.PASS) {
        metrics.rejected(model, "lexical_guard");
        continue;
      }
      Optional<StoredEntry> entry = store.get(c.entry().key(), budget);
      if (entry.isEmpty()) {
        if (budget.failed()) {
          return Optional.empty(); // the backend did not answer: the entry may well be there
        }
        metrics.rejected(model, "expired");
        index.remove(c.entry().key());
        continue;
      }
      Replay replay = Responses.render(entry.get(), req.stream(), req.includeUsage());
      if (replay == null) {
        metrics.rejected(model, "no_usage");
        continue;
      }
      double sim = Math.min(1.0, c.similarity());
      metrics.similarity(model, sim);
      return Optional.of(new SemanticHit(replay, sim));
    }
    return Optional.empty();
  }

  private CompletableFuture<float[]> embedAsync(String text) {
    CompletableFuture<float[]> f = new CompletableFuture<>();
    try {
      embedPool.execute(
          () -> {
            long t0 = System.nanoTime();
            try {
              float[] v = embedder.embed(text);
              metrics.embedding(embedder.name(), Duration.ofNanos(System.nanoTime() - t0));
              f.complete(v);
            } catch (Throwable e) {
              f.completeExceptionally(e);
            }
          });
    } catch (RejectedExecutionException e) {
      metrics.embedderFailure(embedder.name(), "busy");
      f.completeExceptionally(e);
    }
    return f;
  }

  /** The embedding, or null (counted) when it failed or took longer than the timeout. */
  private float[] await(CompletableFuture<float[]> f) {
    try {
      return f.get(config.semanticTimeout().toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      metrics.embedderFailure(embedder.name(), "timeout");
      return null;
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof RejectedExecutionException)) {
        metrics.embedderFailure(embedder.name(), "error");
        LOG.warn("embedder {} failed: {}", embedder.name(), e.getCause().toString());
      }
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  // ------------------------------------------------------------------ store

  private final class Recorder implements ResponseRecorder {
    private final String model;
    private final Endpoint endpoint;

    /** Whether the exact cache serves the entry; when not, an entry without a vector is useless. */
    private final boolean exact;

    private final String key;
    private final String scope;
    private final String prompt;
    private final CompletableFuture<float[]> embedding;
    private final long limit = Math.min(MAX_ENTRY_BYTES, Math.max(1, config.maxBytes()));
    private byte[] body = EMPTY; // sized by the first chunk
    private int size;
    private boolean ok = true;
    private boolean started;
    private boolean streamed;
    private boolean ended;

    Recorder(
        String model,
        Endpoint endpoint,
        boolean exact,
        String key,
        String scope,
        String prompt,
        CompletableFuture<float[]> embedding) {
      this.model = model;
      this.endpoint = endpoint;
      this.exact = exact;
      this.key = key;
      this.scope = scope;
      this.prompt = prompt;
      this.embedding = embedding;
    }

    @Override
    public void start(int status, String contentType) {
      started = true;
      ok = ok && status == 200;
      String ct = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
      streamed = ct.startsWith(Replay.SSE);
      ok = ok && (streamed || ct.startsWith(Replay.JSON));
    }

    @Override
    public void chunk(byte[] bytes, int offset, int length) {
      if (room(length)) {
        System.arraycopy(bytes, offset, body, size, length);
        size += length;
      }
    }

    @Override
    public void chunk(ByteBuffer bytes) {
      int length = bytes.remaining();
      if (room(length)) {
        bytes.duplicate().get(body, size, length);
        size += length;
      }
    }

    /** Whether {@code length} more bytes are kept; past the entry limit nothing is stored. */
    private boolean room(int length) {
      if (!ok || ended) {
        return false;
      }
      if (size + (long) length > limit) {
        ok = false;
        body = EMPTY;
        size = 0;
        return false;
      }
      if (size + length > body.length) {
        // a JSON answer usually comes in one chunk: sized to it; a stream grows by doubling
        body =
            Arrays.copyOf(body, (int) Math.min(limit, Math.max(size + length, 2L * body.length)));
      }
      return true;
    }

    @Override
    public void complete() {
      if (ended) {
        return;
      }
      ended = true;
      if (!ok || !started) {
        return;
      }
      byte[] bytes = body;
      int length = size;
      body = EMPTY;
      if (!streamed && scope == null && config.backend() == CacheConfig.Backend.MEMORY) {
        // one JSON body into memory: a pass of the parser and a map put, cheaper here than
        // waking the worker
        store(bytes, length);
        return;
      }
      try {
        worker.execute(() -> store(bytes, length));
      } catch (RejectedExecutionException e) {
        // closed: nothing to store into
      }
    }

    @Override
    public void abort() {
      ended = true;
      body = EMPTY;
      size = 0;
    }

    /** Stores the first {@code length} bytes of {@code bytes} if they are a complete answer. */
    private void store(byte[] bytes, int length) {
      try {
        byte[] entry;
        if (streamed) {
          Optional<List<String>> events = Responses.completeStream(bytes, length);
          entry =
              events.isEmpty()
                  ? null
                  : new StoredEntry(endpoint, events.get(), true, clock.millis()).serialize();
        } else {
          entry = Responses.storedJson(endpoint, bytes, length, clock.millis());
        }
        if (entry == null) {
          return;
        }
        VectorEntry vector = null;
        if (scope != null) {
          CompletableFuture<float[]> f = embedding != null ? embedding : embedAsync(prompt);
          try {
            float[] v = f.get(STORE_EMBED_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            vector = new VectorEntry(scope, key, v, prompt, clock.millis());
          } catch (ExecutionException | TimeoutException e) {
            metrics.embedderFailure(embedder.name(), "error");
          }
        }
        if (vector == null && !exact) {
          return; // semantic only, and no vector: no lookup could ever find this entry
        }
        store.put(key, entry, vector);
        metrics.store(model, vector != null ? "semantic" : "exact");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        LOG.warn("storing a response for model {} failed", model, e);
      }
    }
  }

  // ------------------------------------------------------------------ housekeeping

  private void maintain() {
    try {
      store.maintain();
      if (config.backend() == CacheConfig.Backend.REDIS) {
        index.trimTo(config.maxBytes());
      }
      // one graph segment per refresh: refresh seldom (new vectors are scanned flat meanwhile)
      long now = System.nanoTime();
      if (now - lastRefresh >= REFRESH_EVERY.toNanos()) {
        lastRefresh = now;
        index.refresh();
      }
    } catch (RuntimeException e) {
      LOG.warn("cache maintenance failed; will retry", e);
    }
  }

  /** For tests: runs the periodic maintenance now. */
  void maintainNow() {
    maintain();
  }

  /** For tests and benchmarks. */
  SemanticIndex index() {
    return index;
  }

  /**
   * Whether the backend is connected (always true in memory); while it is not, lookups are misses
   * and stores are dropped.
   */
  public boolean backendAvailable() {
    return store.available();
  }

  /** Which backend holds the entries: {@code memory} or {@code redis}. */
  public String backend() {
    return backendName;
  }

  /** Waits until the stores queued so far are done (tests, orderly shutdown). */
  public void flush(Duration timeout) throws InterruptedException {
    CompletableFuture<Void> f = new CompletableFuture<>();
    try {
      worker.execute(() -> f.complete(null));
      f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
      // nothing more to wait for
    }
  }

  @Override
  public void close() {
    worker.shutdown();
    embedPool.shutdown();
    try {
      worker.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    store.close();
    try {
      index.close();
    } catch (java.io.IOException e) {
      LOG.debug("closing the semantic index", e);
    }
  }

  private static final MessageDigest SHA256_PROTOTYPE = sha256Instance();

  /** The SHA-256 of the UTF-8 of {@code parts} one after the other, in hex. */
  static String sha256(String... parts) {
    MessageDigest md = newSha256();
    for (String p : parts) {
      md.update(p.getBytes(StandardCharsets.UTF_8));
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static MessageDigest sha256Instance() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JRE", e);
    }
  }

  /**
   * A fresh SHA-256 digest: a clone of one looked up once (the provider lookup of {@code
   * getInstance} cost more than hashing a request body); a lookup if the provider cannot clone.
   */
  private static MessageDigest newSha256() {
    try {
      return (MessageDigest) SHA256_PROTOTYPE.clone();
    } catch (CloneNotSupportedException e) {
      return sha256Instance();
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** Loads the real embedder on first use, on the embedding thread. */
  private static final class LazyEmbedder implements Embedder {
    private final Supplier<Embedder> factory;
    private volatile Embedder delegate;

    LazyEmbedder(Supplier<Embedder> factory) {
      this.factory = factory;
    }

    private Embedder get() {
      Embedder d = delegate;
      if (d == null) {
        synchronized (this) {
          if (delegate == null) {
            delegate = factory.get();
          }
          d = delegate;
        }
      }
      return d;
    }

    @Override
    public String name() {
      return MiniLmEmbedder.NAME;
    }

    @Override
    public int dimension() {
      return 384;
    }

    @Override
    public float[] embed(String text) throws Exception {
      return get().embed(text);
    }
  }
}
