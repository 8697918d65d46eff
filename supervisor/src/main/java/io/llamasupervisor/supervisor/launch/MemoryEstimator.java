package io.llamasupervisor.supervisor.launch;

import io.llamasupervisor.gguf.GgufArray;
import io.llamasupervisor.gguf.GgufFile;
import io.llamasupervisor.gguf.TensorInfo;
import io.llamasupervisor.supervisor.memory.BufferBytes;
import io.llamasupervisor.supervisor.memory.BufferKind;
import io.llamasupervisor.supervisor.memory.Device;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Estimates what llama-server b10470 allocates for a plan, per device. Pure.
 *
 * <ul>
 *   <li><b>Weights</b>: the tensor bytes. Layer {@code il} of {@code n_layer} (the output layer
 *       counting as layer {@code n_layer}) is on a GPU when {@code il >= n_layer + 1 -
 *       n_gpu_layers}, like llama.cpp's {@code i_gpu_start}; the token embeddings always stay on
 *       {@code cpu}; with several GPUs the offloaded layers are split in proportion to their free
 *       memory (llama.cpp's default tensor split). {@code --n-gpu-layers} unset or {@code auto}
 *       counts as {@code all} (what {@code --fit} does when the model fits). Without a GPU
 *       everything is on {@code cpu}. A projector ({@code --mmproj}) goes to the first GPU.
 *   <li><b>KV cache</b>: exact per layer ({@link ModelGeometry#kvBytes}), on its layer's device.
 *   <li><b>Output buffer</b>: {@code n_vocab × n_parallel × 4} bytes of logits (the server asks for
 *       one output per sequence), plus {@code n_embd × n_parallel × 4} with {@code --embeddings};
 *       on {@code cpu}.
 *   <li><b>Compute buffer</b>: the worst-case prompt graph llama.cpp reserves ({@code
 *       sched_reserve}) for {@code T = min(n_ctx, n_ubatch)} tokens against the full cache. Its
 *       size is what ggml-alloc's reuse leaves: fitted to b10470 on a CPU for llama-type graphs
 *       (exact to 0.01 MiB on the sizes measured, see docs/benchmarks.md). With flash attention:
 *       the F16 mask ({@code cells × T × 2}) + {@code T × 4 × (3·n_ff + 2·n_embd + 6 + f)}, where
 *       {@code f} is {@code 2·n_embd} when {@code n_ff > 2·n_embd}, else {@code n_embd} from 3
 *       layers on; plus F16 copies of an F32 K/V cache. Without: the larger of the attention peak
 *       ({@code cells × T × 4 × (n_head + 1)} for the F32 scores and mask + {@code T × 4 ×
 *       (5·n_embd + 2·n_embd_kv + 5)}) and the flash-attention figure with an F32 mask. {@code
 *       cells} are the cells of one sequence's stream ({@code n_ctx / n_parallel}; all of {@code
 *       n_ctx} with {@code --kv-unified}). On the main GPU when layers are offloaded, with {@code
 *       n_embd × T × 4} for the inputs on {@code cpu}.
 * </ul>
 */
public final class MemoryEstimator {
  /** llama-server's defaults for {@code -ub} and {@code -b}. */
  static final int DEFAULT_UBATCH = 512;

  static final int DEFAULT_BATCH = 2048;

  private static final Pattern LAYER_TENSOR = Pattern.compile("^blk\\.(\\d+)\\.");

  private MemoryEstimator() {}

  /**
   * The model's graph dimensions.
   *
   * @param embd {@code n_embd}
   * @param ff {@code n_ff} (the largest layer's)
   * @param heads {@code n_head} (the largest layer's)
   * @param vocab {@code n_vocab}
   * @param layers {@code n_layer}
   */
  record Graph(long embd, long ff, long heads, long vocab, int layers) {
    static Graph of(GgufFile h) {
      return new Graph(
          h.embeddingLength().orElse(0),
          largest(h, "feed_forward_length"),
          h.headCount().orElse(0),
          h.vocabSize().orElse(0),
          (int) Math.min(h.blockCount().orElse(0), 100_000));
    }

    boolean known() {
      return embd > 0 && ff > 0 && heads > 0 && layers > 0;
    }
  }

  /** Whether the compute buffer can be estimated (the graph dimensions are in the header). */
  public static boolean computeKnown(GgufFile header) {
    return Graph.of(header).known();
  }

  /**
   * The estimate for one plan.
   *
   * @param ctxSize {@code --ctx-size} (total over every slot)
   * @param k the K cache type passed
   * @param v the V cache type passed
   * @param gpus the host's GPUs, in llama-server's order; empty for a CPU-only host
   */
  public static MemoryEstimate estimate(
      ModelSpec model,
      ModelGeometry geo,
      LaunchSettings s,
      int ctxSize,
      KvCacheType k,
      KvCacheType v,
      List<Device> gpus) {
    GgufFile h = model.header();
    Graph g = Graph.of(h);
    int layers = g.layers() > 0 ? g.layers() : geo.layers();
    Placement place = Placement.of(s.nGpuLayers(), layers, gpus);
    Map<String, BufferBytes> devices = new TreeMap<>();

    // weights: per layer from the header's tensors, scaled to every shard
    long headerBytes = h.tensorBytes();
    double scale = headerBytes > 0 ? (double) model.modelWeightsBytes() / headerBytes : 0;
    long placed = 0;
    for (TensorInfo t : h.tensors()) {
      String device;
      Matcher m = LAYER_TENSOR.matcher(t.name());
      if (m.find()) {
        device = place.deviceOfLayer(Integer.parseInt(m.group(1)));
      } else if (t.name().startsWith("token_embd")) {
        device = Device.CPU;
      } else {
        device = place.deviceOfLayer(layers); // output layer
      }
      long bytes = Math.round(t.byteSize() * scale);
      placed += bytes;
      add(devices, device, BufferKind.MODEL, bytes);
    }
    long rest = model.modelWeightsBytes() - placed; // rounding, or a header without tensors
    if (rest != 0) {
      add(devices, place.deviceOfLayer(layers), BufferKind.MODEL, Math.max(rest, -placed));
    }
    if (model.mmprojWeightsBytes() > 0) {
      add(devices, place.mainDevice(), BufferKind.MODEL, model.mmprojWeightsBytes());
    }

    // KV cache: each layer on its layer's device
    if (geo.known()) {
      for (int il = 0; il < geo.layers(); il++) {
        add(devices, place.deviceOfLayer(il), BufferKind.KV, geo.kvBytesOfLayer(il, ctxSize, k, v));
      }
    }

    // output buffer
    List<String> extra = s.extraArgs();
    long outputs = s.parallel();
    long output = Math.multiplyExact(Math.multiplyExact(g.vocab(), outputs), 4L);
    if (extra.contains("--embeddings") || extra.contains("--embedding")) {
      output = Math.addExact(output, Math.multiplyExact(g.embd() * outputs, 4L));
    }
    add(devices, Device.CPU, BufferKind.OUTPUT, output);

    // compute buffer
    if (g.known()) {
      int batch = intArg(extra, DEFAULT_BATCH, "-b", "--batch-size");
      int ubatch = Math.min(intArg(extra, DEFAULT_UBATCH, "-ub", "--ubatch-size"), batch);
      long tokens = Math.max(1, Math.min(ctxSize, ubatch));
      boolean unified = extra.contains("--kv-unified") || extra.contains("-kvu");
      long cells = unified ? ctxSize : Math.max(1, ctxSize / s.parallel());
      long kvDimK = geo.headDimK() * maxOf(geo.headCountKv());
      long kvDimV = geo.headDimV() * maxOf(geo.headCountKv());
      long compute =
          computeBytes(
              g, tokens, cells, s.flashAttn() != FlashAttn.OFF, k, v, kvDimK, kvDimV, ctxSize);
      if (place.offloaded()) {
        long inputs = Math.multiplyExact(g.embd() * tokens, 4L);
        add(devices, Device.CPU, BufferKind.COMPUTE, inputs);
        add(devices, place.mainDevice(), BufferKind.COMPUTE, Math.max(0, compute - inputs));
      } else {
        add(devices, Device.CPU, BufferKind.COMPUTE, compute);
      }
    }
    devices.putIfAbsent(Device.CPU, BufferBytes.ZERO);
    return MemoryEstimate.of(devices);
  }

  /** The compute buffer of the worst-case graph; see the class comment. */
  static long computeBytes(
      Graph g,
      long tokens,
      long cells,
      boolean flashAttn,
      KvCacheType k,
      KvCacheType v,
      long kvDimK,
      long kvDimV,
      long ctxSize) {
    long frag = g.ff() > 2 * g.embd() ? 2 * g.embd() : (g.layers() >= 3 ? g.embd() : 0);
    long ffnPerToken = 3 * g.ff() + 2 * g.embd() + frag;
    long mask = cells * tokens;
    if (flashAttn) {
      long casts = 0;
      if (k == KvCacheType.F32) {
        casts += ctxSize * kvDimK * 2;
      }
      if (v == KvCacheType.F32) {
        casts += ctxSize * kvDimV * 2;
      }
      return mask * 2 + tokens * 4 * (ffnPerToken + 6) + casts;
    }
    long attention = mask * 4 * (g.heads() + 1) + tokens * 4 * (5 * g.embd() + 2 * kvDimK + 5);
    long ffn = mask * 4 + tokens * 4 * (ffnPerToken + 5);
    return Math.max(attention, ffn);
  }

  private static void add(
      Map<String, BufferBytes> devices, String id, BufferKind kind, long bytes) {
    devices.merge(id, BufferBytes.ZERO.plus(kind, bytes), BufferBytes::plus);
  }

  private static long maxOf(long[] values) {
    long m = 0;
    for (long x : values) {
      m = Math.max(m, x);
    }
    return m;
  }

  /**
   * {@code <arch>.<suffix>}: a scalar, or the largest element of a per-layer array; 0 if absent.
   */
  private static long largest(GgufFile h, String suffix) {
    String arch = h.architecture().orElse("");
    Object value = h.metadata().get(arch + "." + suffix);
    if (value instanceof Long l) {
      return l;
    }
    if (value instanceof GgufArray a) {
      long m = 0;
      for (Object o : a.values()) {
        if (o instanceof Long l) {
          m = Math.max(m, l);
        }
      }
      return m;
    }
    return 0;
  }

  /** The value of the last of {@code flags} in {@code args} when it is a positive number. */
  private static int intArg(List<String> args, int fallback, String... flags) {
    int value = fallback;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      for (String f : flags) {
        String v = null;
        if (a.equals(f) && i + 1 < args.size()) {
          v = args.get(i + 1);
        } else if (a.startsWith(f + "=")) {
          v = a.substring(f.length() + 1);
        }
        if (v != null) {
          try {
            int n = Integer.parseInt(v.trim());
            if (n > 0) {
              value = n;
            }
          } catch (NumberFormatException e) {
            // llama-server refuses it; the estimate keeps the default
          }
        }
      }
    }
    return value;
  }

  /** Which device each layer is on. */
  record Placement(int layers, int gpuStart, List<Device> gpus, double[] cumulative) {
    static Placement of(String nGpuLayers, int layers, List<Device> gpus) {
      int n;
      if (gpus.isEmpty()) {
        n = 0;
      } else if (nGpuLayers == null
          || nGpuLayers.equalsIgnoreCase("auto")
          || nGpuLayers.equalsIgnoreCase("all")) {
        n = layers + 1;
      } else {
        try {
          n = Integer.parseInt(nGpuLayers.trim());
          n = n < 0 ? layers + 1 : Math.min(n, layers + 1);
        } catch (NumberFormatException e) {
          n = layers + 1;
        }
      }
      double[] cumulative = new double[gpus.size()];
      double free = gpus.stream().mapToDouble(d -> Math.max(1, d.freeBytes())).sum();
      double acc = 0;
      for (int i = 0; i < gpus.size(); i++) {
        acc += Math.max(1, gpus.get(i).freeBytes()) / free;
        cumulative[i] = acc;
      }
      return new Placement(layers, Math.max(layers + 1 - n, 0), List.copyOf(gpus), cumulative);
    }

    boolean offloaded() {
      return !gpus.isEmpty() && gpuStart <= layers;
    }

    /** Layer {@code il}'s device; {@code il == layers} is the output layer. */
    String deviceOfLayer(int il) {
      if (gpus.isEmpty() || il < gpuStart) {
        return Device.CPU;
      }
      int offloaded = layers + 1 - gpuStart;
      double at = (double) (il - gpuStart) / offloaded;
      for (int i = 0; i < cumulative.length; i++) {
        if (at < cumulative[i]) {
          return gpus.get(i).id();
        }
      }
      return gpus.get(gpus.size() - 1).id();
    }

    /** Where the compute graph and a projector go: the output layer's device. */
    String mainDevice() {
      return offloaded() ? deviceOfLayer(layers) : Device.CPU;
    }
  }
}
