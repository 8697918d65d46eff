package io.llamasupervisor.supervisor.launch;

import io.llamasupervisor.gguf.GgufFile;
import java.util.Arrays;
import java.util.OptionalLong;

/**
 * The attention geometry of a model, as llama.cpp derives it from the GGUF metadata.
 *
 * @param headDimK {@code key_length}, else {@code embedding_length / head_count}; 0 when unknown
 * @param headDimV {@code value_length}, else {@code embedding_length / head_count}; 0 when unknown
 * @param headCountKv KV heads per layer ({@code head_count_kv}, scalar or per-layer array; absent
 *     means {@code head_count}); empty when unknown
 * @param trainingCtx {@code <arch>.context_length}
 */
public record ModelGeometry(
    long headDimK, long headDimV, long[] headCountKv, OptionalLong trainingCtx) {

  public static ModelGeometry of(GgufFile h) {
    // without block_count the layer count, and so the KV cache, is unknown
    boolean layers = h.blockCount().orElse(0) > 0;
    long[] heads = layers ? h.headCountPerLayer().orElse(new long[0]) : new long[0];
    long[] kv = layers ? h.headCountKvPerLayer().orElse(heads) : new long[0];
    long embd = h.embeddingLength().orElse(0);
    // llama.cpp: n_embd_head_k = n_embd / n_head(0) unless key_length is given.
    long head0 = heads.length > 0 ? heads[0] : 0;
    long derived = head0 > 0 ? embd / head0 : 0;
    long k = h.keyLength().orElse(derived);
    long v = h.valueLength().orElse(derived);
    return new ModelGeometry(k, v, kv, h.contextLength());
  }

  /** Whether the head dimensions and KV heads are known, so KV checks and estimates are exact. */
  public boolean known() {
    return headDimK > 0 && headDimV > 0 && headCountKv.length > 0;
  }

  /**
   * KV cache bytes for {@code cells} cells: the sum over layers of {@code cells × (row(K,
   * head_dim_k × kv_heads(layer)) + row(V, head_dim_v × kv_heads(layer)))}, rows sized by the ggml
   * block geometry of the cache type (llama_kv_cache's buffer).
   */
  public long kvBytes(long cells, KvCacheType k, KvCacheType v) {
    long total = 0;
    for (long kvHeads : headCountKv) {
      long perCell = k.rowBytes(headDimK * kvHeads) + v.rowBytes(headDimV * kvHeads);
      total = Math.addExact(total, Math.multiplyExact(cells, perCell));
    }
    return total;
  }

  /** KV cache bytes of layer {@code layer} (0-based) for {@code cells} cells; 0 past the last. */
  public long kvBytesOfLayer(int layer, long cells, KvCacheType k, KvCacheType v) {
    if (layer < 0 || layer >= headCountKv.length) {
      return 0;
    }
    long kvHeads = headCountKv[layer];
    return Math.multiplyExact(
        cells, k.rowBytes(headDimK * kvHeads) + v.rowBytes(headDimV * kvHeads));
  }

  /** Layers with a KV cache entry (the block count when known). */
  public int layers() {
    return headCountKv.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModelGeometry g
        && headDimK == g.headDimK
        && headDimV == g.headDimV
        && Arrays.equals(headCountKv, g.headCountKv)
        && trainingCtx.equals(g.trainingCtx);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(headDimK) * 31 + Arrays.hashCode(headCountKv);
  }

  @Override
  public String toString() {
    return "ModelGeometry[headDimK="
        + headDimK
        + ", headDimV="
        + headDimV
        + ", headCountKv="
        + Arrays.toString(headCountKv)
        + ", trainingCtx="
        + trainingCtx
        + "]";
  }
}
