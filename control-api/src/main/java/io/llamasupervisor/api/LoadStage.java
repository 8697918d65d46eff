package io.llamasupervisor.api;

import java.util.List;
import java.util.Locale;

/**
 * llama-server's own load stage, read from its log: the stage of the newest line that names one.
 * The lines are those llama-server b10470 prints while it loads ({@code load_model: loading model},
 * {@code load_tensors:}, {@code llama_context:}/{@code llama_kv_cache:}, {@code initializing},
 * {@code warming up}, {@code model loaded}, {@code listening on}).
 */
final class LoadStage {
  private LoadStage() {}

  /** The latest stage named in {@code lines} (oldest first), or null when none is. */
  static String of(List<String> lines) {
    for (int i = lines.size() - 1; i >= 0; i--) {
      String stage = stageOf(lines.get(i).toLowerCase(Locale.ROOT));
      if (stage != null) {
        return stage;
      }
    }
    return null;
  }

  private static String stageOf(String l) {
    if (l.contains("listening on") || l.contains("model loaded")) {
      return "loaded";
    }
    if (l.contains("warming up") || l.contains("warmup")) {
      return "warming up";
    }
    if (l.contains("load_model: initializing")) {
      return "initializing slots";
    }
    if (l.contains("llama_kv_cache") || l.contains("llama_context")) {
      return "allocating KV cache";
    }
    if (l.contains("load_tensors")) {
      return "loading tensors";
    }
    if (l.contains("loading model") || l.contains("llama_model_loader")) {
      return "reading model file";
    }
    return null;
  }
}
