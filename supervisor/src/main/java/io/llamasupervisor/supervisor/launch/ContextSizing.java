package io.llamasupervisor.supervisor.launch;

import java.util.OptionalLong;

/**
 * The {@code --ctx-size} to pass and the context each slot really gets, computed the way
 * llama-server (b10470) sizes its context:
 *
 * <ol>
 *   <li>{@code n_ctx} = {@code -c} rounded up to a multiple of 256;
 *   <li>with an explicit {@code --parallel N} the KV cache is not unified and each sequence gets
 *       {@code n_ctx / N} (integer division) rounded up to a multiple of 256, after which {@code
 *       n_ctx} becomes {@code N ×} that ({@code -np 3 -c 1000} gives 3 × 512, "rounding down to
 *       1536" in its log);
 *   <li>each slot is then capped at the training context {@code <arch>.context_length}.
 * </ol>
 *
 * The plan asks for {@code parallel × min(configured per-slot ctx, training ctx)} and passes the
 * already-rounded {@code n_ctx}, so llama-server never exceeds the training context nor rounds
 * behind our back.
 *
 * @param ctxSize the {@code --ctx-size} to pass: total KV cells over all slots
 * @param ctxPerSlot the context one request can use (what {@code /props} reports)
 * @param trainingCapped whether the configured context was lowered to the training context
 */
public record ContextSizing(int ctxSize, int ctxPerSlot, boolean trainingCapped) {
  static final int PAD = 256;

  /**
   * @param configuredPerSlot the configured context per request; 0 means the training context
   * @param parallel the number of slots, at least 1
   * @param trainingCtx {@code <arch>.context_length}, when known
   */
  public static ContextSizing resolve(
      int configuredPerSlot, int parallel, OptionalLong trainingCtx) {
    if (parallel < 1) {
      throw new IllegalArgumentException("parallel must be at least 1: " + parallel);
    }
    long train = trainingCtx.orElse(0);
    long wanted = configuredPerSlot;
    boolean capped = false;
    if (train > 0 && (wanted == 0 || wanted > train)) {
      capped = wanted != 0;
      wanted = train;
    } else if (wanted == 0) {
      wanted = LaunchSettings.defaults().ctxSize();
    }
    long[] server = llamaServer(Math.multiplyExact(wanted, (long) parallel), parallel);
    long slot = train > 0 ? Math.min(server[1], train) : server[1];
    return new ContextSizing(Math.toIntExact(server[0]), Math.toIntExact(slot), capped);
  }

  /**
   * What llama-server makes of {@code -c ctx -np parallel}: {@code {n_ctx, n_ctx_seq}} before the
   * training-context cap.
   */
  static long[] llamaServer(long ctx, int parallel) {
    long nCtx = pad(ctx);
    long seq = pad(nCtx / parallel);
    return new long[] {Math.multiplyExact(seq, (long) parallel), seq};
  }

  static long pad(long n) {
    return (n + PAD - 1) / PAD * PAD;
  }
}
