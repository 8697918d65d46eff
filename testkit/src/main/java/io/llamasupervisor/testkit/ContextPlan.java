package io.llamasupervisor.testkit;

import io.llamasupervisor.gguf.GgmlType;
import java.util.ArrayList;
import java.util.List;

/**
 * How llama-server b10470 sizes its context and slots, and which KV cache settings it refuses.
 *
 * <ul>
 *   <li>{@code -c 0} means the training context; the total is rounded up to a multiple of 256.
 *   <li>{@code -np} auto (default): 4 slots with unified KV, each slot may use the whole context.
 *       Explicit {@code -np N}: per-slot context = total / N rounded up to 256 (and the total
 *       adjusted to N times that, with a warning).
 *   <li>A slot context above the training context is capped to it, with two warnings.
 *   <li>A quantized K or V cache needs the head size to be a multiple of the type's block size; a
 *       quantized V cache needs flash attention ({@code -fa auto} turns it on, {@code off} fails).
 * </ul>
 *
 * @param slots number of slots
 * @param kvUnified whether the KV cache is unified (auto {@code -np})
 * @param slotCtx the per-slot context served in {@code /props} and {@code /v1/models}
 * @param contextWarnings lines printed while creating the context ({@code llama_context})
 * @param slotWarnings lines printed by the server when it sets up the slots ({@code load_model})
 * @param error the {@code llama_init_from_model} error, or null when the context can be created
 */
record ContextPlan(
    int slots,
    boolean kvUnified,
    long slotCtx,
    List<LogLine> contextWarnings,
    List<LogLine> slotWarnings,
    String error) {

  static final int PAD = 256;
  static final int AUTO_SLOTS = 4;

  static ContextPlan of(ServerOptions o, ModelInfo m) {
    List<LogLine> warnings = new ArrayList<>();
    long total = pad(o.ctxSize() == 0 ? m.ctxTrain() : o.ctxSize());
    boolean auto = o.parallel() <= 0;
    int slots = auto ? AUTO_SLOTS : o.parallel();
    long perSeq = total;
    if (!auto) {
      perSeq = pad(total / slots);
      if (perSeq * slots != total) {
        warnings.add(
            LogLine.warn(
                null,
                "llama_context",
                "n_ctx is not divisible by n_seq_max - rounding down to " + perSeq * slots));
      }
    }
    long slotCtx = perSeq;
    List<LogLine> capping = new ArrayList<>();
    if (perSeq > m.ctxTrain()) {
      warnings.add(
          LogLine.warn(
              null,
              "llama_context",
              "n_ctx_seq ("
                  + perSeq
                  + ") > n_ctx_train ("
                  + m.ctxTrain()
                  + ") -- possible training context overflow"));
      capping.add(
          LogLine.warn(
              "srv",
              "load_model",
              "the slot context ("
                  + perSeq
                  + ") exceeds the training context of the model ("
                  + m.ctxTrain()
                  + ") - capping"));
      slotCtx = m.ctxTrain();
    }
    return new ContextPlan(
        slots, auto, slotCtx, List.copyOf(warnings), List.copyOf(capping), kvError(o, m));
  }

  private static String kvError(ServerOptions o, ModelInfo m) {
    String k = blockError("K", o.cacheTypeK(), m.headDimK(), "n_embd_head_k");
    if (k != null) {
      return k;
    }
    String v = blockError("V", o.cacheTypeV(), m.headDimV(), "n_embd_head_v");
    if (v != null) {
      return v;
    }
    if (quantized(o.cacheTypeV()) && o.flashAttn().equals("off")) {
      return "quantized V cache requires flash_attn to be enabled";
    }
    return null;
  }

  private static String blockError(String which, String type, long headDim, String name) {
    int block = GgmlType.byName(type).map(GgmlType::blockSize).orElse(1);
    if (block > 1 && headDim > 0 && headDim % block != 0) {
      return which
          + " cache type "
          + type
          + " with block size "
          + block
          + " does not divide "
          + name
          + "="
          + headDim;
    }
    return null;
  }

  static boolean quantized(String cacheType) {
    return GgmlType.byName(cacheType).map(GgmlType::isQuantized).orElse(false);
  }

  static long pad(long n) {
    return (n + PAD - 1) / PAD * PAD;
  }
}
