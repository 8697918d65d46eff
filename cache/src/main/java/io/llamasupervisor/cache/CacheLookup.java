package io.llamasupervisor.cache;

import java.util.Locale;

/**
 * The answer of {@link ResponseCache#lookup}: serve a cached response, or forward the request and
 * feed the response to {@link #recorder()}.
 *
 * <p>Every response of a cacheable endpoint carries {@code X-Cache: }{@link #header()}; a semantic
 * hit also carries {@code X-Cache-Similarity: }{@link SemanticHit#similarityHeader()}.
 */
public sealed interface CacheLookup {
  /**
   * The {@code X-Cache} header value: {@code hit}, {@code semantic-hit}, {@code miss}, {@code
   * bypass}.
   */
  String header();

  /** Where the upstream response goes; {@link ResponseRecorder#NONE} for hits and most bypasses. */
  ResponseRecorder recorder();

  /** The same request was answered before: serve {@link #replay()}. */
  record Hit(Replay replay) implements CacheLookup {
    @Override
    public String header() {
      return "hit";
    }

    @Override
    public ResponseRecorder recorder() {
      return ResponseRecorder.NONE;
    }
  }

  /**
   * A rephrasing of an earlier request in the same scope was answered before: serve {@link
   * #replay()}.
   */
  record SemanticHit(Replay replay, double similarity) implements CacheLookup {
    @Override
    public String header() {
      return "semantic-hit";
    }

    @Override
    public ResponseRecorder recorder() {
      return ResponseRecorder.NONE;
    }

    /** The similarity with three decimals, e.g. {@code 0.973}. */
    public String similarityHeader() {
      return String.format(Locale.ROOT, "%.3f", similarity);
    }
  }

  /** Not cached yet: forward the request and feed the response to {@link #recorder()}. */
  record Miss(ResponseRecorder recorder) implements CacheLookup {
    @Override
    public String header() {
      return "miss";
    }
  }

  /**
   * The cache was not consulted, for {@link #reason()}. With {@link BypassReason#NO_CACHE} the
   * fresh response is still recorded (the request asked not to be served from the cache, not that
   * nothing be stored); otherwise the recorder stores nothing.
   */
  record Bypass(BypassReason reason, ResponseRecorder recorder) implements CacheLookup {
    @Override
    public String header() {
      return "bypass";
    }
  }

  /** Why a request bypassed the cache. */
  enum BypassReason {
    /** No cache is enabled for the model. */
    DISABLED,
    /** The body is not a JSON object. */
    INVALID_BODY,
    /** Neither {@code temperature: 0}, {@code top_k: 1} nor a {@code seed}: answers vary. */
    NOT_DETERMINISTIC,
    /** {@code Cache-Control: no-cache}: looked up nothing, records the fresh answer. */
    NO_CACHE,
    /** {@code Cache-Control: no-cache, no-store}: neither looks up nor records. */
    NO_CACHE_NO_STORE,
    /**
     * Only the semantic cache is on for the model, and the request cannot use it (no last user
     * message of plain text: an image or audio part, or a last message that is not the user's):
     * nothing could ever serve its answer, so nothing is looked up or stored.
     */
    NO_SEMANTIC_PROMPT,
    /** The cache itself failed (logged); the request passes as if there were no cache. */
    INTERNAL_ERROR,
    /**
     * The model has no READY backend yet (idle, starting): no serving plan to key an answer with.
     */
    NOT_SERVING;

    /** The metric label, e.g. {@code not_deterministic}. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }
}
