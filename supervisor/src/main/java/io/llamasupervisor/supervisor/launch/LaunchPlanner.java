package io.llamasupervisor.supervisor.launch;

import io.llamasupervisor.supervisor.memory.Device;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Turns a verified model and the launch configuration into a {@link LaunchPlan}: the exact argv for
 * llama-server. Pure: no I/O, the same inputs give the same plan.
 *
 * <p>Rules the plan enforces so llama-server does not fail or surprise at spawn:
 *
 * <ul>
 *   <li>{@code --ctx-size} is explicit and sized per {@link ContextSizing}: {@code parallel ×
 *       min(ctx-size, training context)}, rounded like llama-server rounds.
 *   <li>A quantized cache type needs the head dimension ({@code key_length}/{@code value_length},
 *       else {@code embedding_length / head_count}) to be a multiple of its block size (32); a
 *       quantized V cache needs flash attention not {@code off}. Otherwise that cache falls back to
 *       {@code f16} and the plan carries a warning.
 * </ul>
 */
public final class LaunchPlanner {
  /**
   * The verbosity passed to every llama-server: 4 makes it log its buffer sizes while loading (the
   * measured footprint) and about 3 KB per request, not per token.
   */
  public static final String LOG_VERBOSITY = "4";

  private final LaunchConfig config;
  private final int physicalCores;
  private final List<Device> gpus;

  /** A planner that sizes {@code --threads} from this machine's physical cores. */
  public LaunchPlanner(LaunchConfig config) {
    this(config, CpuTopology.physicalCores());
  }

  /**
   * @param physicalCores the {@code --threads} value when the settings say 0 (auto)
   */
  public LaunchPlanner(LaunchConfig config, int physicalCores) {
    this(config, physicalCores, List.of());
  }

  /**
   * @param physicalCores the {@code --threads} value when the settings say 0 (auto)
   * @param gpus the host's GPUs ({@link io.llamasupervisor.supervisor.memory.DeviceInventory}), in
   *     llama-server's order; the memory estimate places offloaded layers on them
   */
  public LaunchPlanner(LaunchConfig config, int physicalCores, List<Device> gpus) {
    this.gpus = List.copyOf(gpus);
    this.config = Objects.requireNonNull(config, "config");
    if (physicalCores < 1) {
      throw new IllegalArgumentException("physicalCores must be at least 1: " + physicalCores);
    }
    this.physicalCores = physicalCores;
  }

  public LaunchConfig config() {
    return config;
  }

  /**
   * Plans one model.
   *
   * @param port the port to pass, or empty for {@link LaunchPlan#PORT_PLACEHOLDER}
   */
  public LaunchPlan plan(ModelSpec model, OptionalInt port) {
    LaunchSettings s = config.settingsFor(model.id());
    ModelGeometry geo = ModelGeometry.of(model.header());
    List<String> warnings = new ArrayList<>();

    KvCacheType k = s.cacheTypeK();
    KvCacheType v = s.cacheTypeV();
    if (!geo.known()) {
      if (k.isQuantized() || v.isQuantized()) {
        warnings.add(
            "head dimension unknown (no key_length/value_length, embedding_length or head_count):"
                + " cannot check that cache types "
                + k
                + "/"
                + v
                + " fit this model");
      }
    } else {
      if (k.isQuantized() && geo.headDimK() % k.blockSize() != 0) {
        warnings.add(
            "cache-type-k "
                + k
                + " needs a head dimension divisible by "
                + k.blockSize()
                + " but this model's K head dimension is "
                + geo.headDimK()
                + ": using f16");
        k = KvCacheType.F16;
      }
      if (v.isQuantized() && geo.headDimV() % v.blockSize() != 0) {
        warnings.add(
            "cache-type-v "
                + v
                + " needs a head dimension divisible by "
                + v.blockSize()
                + " but this model's V head dimension is "
                + geo.headDimV()
                + ": using f16");
        v = KvCacheType.F16;
      }
    }
    if (v.isQuantized() && s.flashAttn() == FlashAttn.OFF) {
      warnings.add(
          "cache-type-v "
              + v
              + " (quantized) needs flash attention, but flash-attn is off: using f16");
      v = KvCacheType.F16;
    }

    ContextSizing ctx = ContextSizing.resolve(s.ctxSize(), s.parallel(), geo.trainingCtx());
    if (ctx.trainingCapped()) {
      warnings.add(
          "ctx-size "
              + s.ctxSize()
              + " exceeds the training context "
              + geo.trainingCtx().getAsLong()
              + ": each slot gets "
              + ctx.ctxPerSlot());
    }
    if (model.id().contains(",")) {
      warnings.add(
          "the model id contains ',': llama-server splits --alias at commas, so its API name is '"
              + model.id().substring(0, model.id().indexOf(','))
              + "'");
    }

    int threads = s.threads() == 0 ? physicalCores : s.threads();
    List<String> argv = new ArrayList<>();
    argv.add(config.llamaServer());
    argv.add("--model");
    argv.add(model.modelPath().toString());
    if (model.mmprojPath() != null) {
      argv.add("--mmproj");
      argv.add(model.mmprojPath().toString());
    }
    argv.add("--alias");
    argv.add(model.id());
    argv.add("--host");
    argv.add(s.host());
    argv.add("--port");
    argv.add(port.isPresent() ? Integer.toString(port.getAsInt()) : LaunchPlan.PORT_PLACEHOLDER);
    argv.add("--ctx-size");
    argv.add(Integer.toString(ctx.ctxSize()));
    argv.add("--parallel");
    argv.add(Integer.toString(s.parallel()));
    argv.add("--cache-type-k");
    argv.add(k.flag());
    argv.add("--cache-type-v");
    argv.add(v.flag());
    argv.add("--flash-attn");
    argv.add(s.flashAttn().flag());
    argv.add("--threads");
    argv.add(Integer.toString(threads));
    if (s.nGpuLayers() != null) {
      argv.add("--n-gpu-layers");
      argv.add(s.nGpuLayers());
    }
    if (s.metrics()) {
      argv.add("--metrics");
    }
    if (!s.webui()) {
      argv.add("--no-webui");
    }
    argv.add("-lv");
    argv.add(LOG_VERBOSITY);
    argv.addAll(s.extraArgs());

    if (!geo.known()) {
      warnings.add(
          "KV cache size unknown (missing attention metadata): estimate covers weights only");
    } else if (!MemoryEstimator.computeKnown(model.header())) {
      warnings.add(
          "compute buffer size unknown (missing embedding_length, feed_forward_length or"
              + " head_count): estimate leaves it out");
    }
    MemoryEstimate memory = MemoryEstimator.estimate(model, geo, s, ctx.ctxSize(), k, v, gpus);
    return new LaunchPlan(
        model.id(),
        model.alias(),
        model.modelPath(),
        model.mmprojPath(),
        argv,
        s.env(),
        ctx.ctxSize(),
        ctx.ctxPerSlot(),
        s.parallel(),
        k,
        v,
        s.flashAttn(),
        warnings,
        memory);
  }
}
