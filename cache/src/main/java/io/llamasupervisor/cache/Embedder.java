package io.llamasupervisor.cache;

/**
 * Turns a prompt into a vector for the semantic cache. Implementations must be thread-safe; they
 * may be slow or fail, the cache bounds every call by {@code supervisor.cache.semantic.timeout} and
 * treats a failure as a miss.
 */
public interface Embedder {
  /** A short, stable name for metrics and logs, e.g. {@code all-minilm-l6-v2-q}. */
  String name();

  /** Length of every vector {@link #embed} returns. */
  int dimension();

  /**
   * The embedding of {@code text}, L2-normalised (so that a dot product is the cosine similarity).
   *
   * @throws Exception when the text cannot be embedded; the lookup is then a miss
   */
  float[] embed(String text) throws Exception;
}
