package io.llamasupervisor.supervisor.supervise;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Conservative llama-server flags for a model whose server died of a crash signal while loading.
 * Level 1 adds {@code --no-repack} (llama-server b10470 crashes with SIGSEGV while repacking q8_0
 * weights on some CPUs); level 2 also uses an f16 KV cache and {@code --flash-attn off}. Each level
 * is tried once, after a death by SIGSEGV, SIGBUS, SIGILL or SIGABRT of an instance that was never
 * ready.
 */
final class SafeMode {
  /** The highest level. */
  static final int MAX_LEVEL = 2;

  /** SIGILL, SIGABRT, SIGBUS, SIGSEGV: a crash, not a stop. */
  private static final Set<Integer> CRASH_SIGNALS = Set.of(4, 6, 7, 11);

  private SafeMode() {}

  /** Whether a death by {@code signal} is a crash that safe flags may avoid. */
  static boolean isCrash(OptionalInt signal) {
    return signal.isPresent() && CRASH_SIGNALS.contains(signal.getAsInt());
  }

  /** {@code argv} with the flags of {@code level} (0 = unchanged). */
  static List<String> apply(List<String> argv, int level) {
    List<String> out = new ArrayList<>(argv);
    if (level >= 1 && !out.contains("--no-repack") && !out.contains("-nr")) {
      out.add("--no-repack");
    }
    if (level >= 2) {
      set(out, "--cache-type-k", "f16");
      set(out, "--cache-type-v", "f16");
      set(out, "--flash-attn", "off");
    }
    return out;
  }

  /** What level {@code level} changes, for messages: {@code --no-repack, ...}. */
  static String describe(int level) {
    return switch (level) {
      case 0 -> "";
      case 1 -> "--no-repack";
      default -> "--no-repack, f16 KV cache, --flash-attn off";
    };
  }

  /** The configuration that keeps level {@code level} on purpose. */
  static String howToKeep(int level) {
    return level <= 1
        ? "extra-args: [--no-repack]"
        : "extra-args: [--no-repack], cache-type-k: f16, cache-type-v: f16, flash-attn: off";
  }

  private static void set(List<String> argv, String flag, String value) {
    int at = argv.indexOf(flag);
    if (at >= 0 && at + 1 < argv.size()) {
      argv.set(at + 1, value);
    } else {
      argv.add(flag);
      argv.add(value);
    }
  }
}
