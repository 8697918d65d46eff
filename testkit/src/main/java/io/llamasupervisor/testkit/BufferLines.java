package io.llamasupervisor.testkit;

import io.llamasupervisor.gguf.GgmlType;
import io.llamasupervisor.gguf.GgufArray;
import io.llamasupervisor.gguf.GgufFile;
import java.util.List;
import java.util.Locale;

/**
 * The buffer sizes b10470 logs at verbosity 4 on a CPU while it loads ({@code load_tensors: ...
 * model buffer size}, {@code llama_context: ... output buffer size}, {@code llama_kv_cache: ... KV
 * buffer size}, {@code sched_reserve: ... compute buffer size}), computed the way the real server
 * sizes them: tensor bytes; {@code n_vocab × n_seq × 4} for the logits; the KV cache row by row;
 * the compute buffer of the worst-case prompt graph as measured for llama-type graphs (the
 * supervisor's {@code MemoryEstimator} documents the fit). Everything is on the CPU.
 */
final class BufferLines {
  private static final double MIB = 1024.0 * 1024.0;

  private BufferLines() {}

  /** The sizes in bytes: model, output, KV, compute. */
  record Sizes(long model, long output, long kv, long compute) {}

  static Sizes sizes(GgufFile h, ServerOptions o, ContextPlan plan) {
    long train = h.contextLength().orElse(0);
    long total = ContextPlan.pad(o.ctxSize() == 0 ? train : o.ctxSize());
    if (!plan.kvUnified()) {
      total = ContextPlan.pad(total / plan.slots()) * plan.slots();
    }
    long[] kvHeads = h.headCountKvPerLayer().or(h::headCountPerLayer).orElse(new long[0]);
    long embd = h.embeddingLength().orElse(0);
    long heads = h.headCount().orElse(0);
    long headK = h.keyLength().orElse(heads > 0 ? embd / heads : 0);
    long headV = h.valueLength().orElse(heads > 0 ? embd / heads : 0);
    GgmlType k = GgmlType.byName(o.cacheTypeK()).orElse(GgmlType.F16);
    GgmlType v = GgmlType.byName(o.cacheTypeV()).orElse(GgmlType.F16);
    long kv = 0;
    long maxKv = 0;
    for (long n : kvHeads) {
      kv += total * (row(k, headK * n) + row(v, headV * n));
      maxKv = Math.max(maxKv, n);
    }
    long outputs = plan.slots();
    long output = h.vocabSize().orElse(0) * outputs * 4 + (o.embeddings() ? embd * outputs * 4 : 0);
    long ff = feedForward(h);
    long layers = kvHeads.length;
    long tokens = Math.max(1, Math.min(total, Math.min(o.ubatch(), o.batch())));
    long cells = plan.kvUnified() ? total : total / plan.slots();
    long mask = cells * tokens;
    long frag = ff > 2 * embd ? 2 * embd : (layers >= 3 ? embd : 0);
    long ffn = 3 * ff + 2 * embd + frag;
    long compute;
    if (!o.flashAttn().equals("off")) {
      long casts =
          (k == GgmlType.F32 ? total * headK * maxKv * 2 : 0)
              + (v == GgmlType.F32 ? total * headV * maxKv * 2 : 0);
      compute = mask * 2 + tokens * 4 * (ffn + 6) + casts;
    } else {
      long attention = mask * 4 * (heads + 1) + tokens * 4 * (5 * embd + 2 * headK * maxKv + 5);
      compute = Math.max(attention, mask * 4 + tokens * 4 * (ffn + 5));
    }
    return new Sizes(h.tensorBytes(), output, kv, ff > 0 && embd > 0 ? compute : 0);
  }

  /** The four lines, in the order the real server prints them. */
  static List<LogLine> lines(Sizes s) {
    return List.of(
        LogLine.info(
            null,
            "load_tensors",
            String.format(
                Locale.ROOT, "%12s model buffer size = %8.2f MiB", "CPU_Mapped", s.model() / MIB)),
        LogLine.info(
            null,
            "llama_context",
            String.format(
                Locale.ROOT, "%10s  output buffer size = %8.2f MiB", "CPU", s.output() / MIB)),
        LogLine.info(
            null,
            "llama_kv_cache",
            String.format(Locale.ROOT, "%10s KV buffer size = %8.2f MiB", "CPU", s.kv() / MIB)),
        LogLine.info(
            null,
            "sched_reserve",
            String.format(
                Locale.ROOT, "%10s compute buffer size = %8.2f MiB", "CPU", s.compute() / MIB)));
  }

  private static long row(GgmlType t, long elements) {
    return (elements + t.blockSize() - 1) / t.blockSize() * t.typeSize();
  }

  private static long feedForward(GgufFile h) {
    Object value = h.metadata().get(h.architecture().orElse("") + ".feed_forward_length");
    if (value instanceof Long l) {
      return l;
    }
    long m = 0;
    if (value instanceof GgufArray a) {
      for (Object x : a.values()) {
        m = Math.max(m, x instanceof Long l ? l : 0);
      }
    }
    return m;
  }
}
