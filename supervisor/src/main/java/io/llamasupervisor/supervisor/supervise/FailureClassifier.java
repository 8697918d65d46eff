package io.llamasupervisor.supervisor.supervise;

import java.util.List;
import java.util.Locale;

/**
 * Reads llama-server's exit and last stderr lines to tell a failure that a retry will not fix (the
 * model cannot be loaded, the command line is invalid) from one that it may fix.
 *
 * <p>Keys only on lines printed before the final one: llama-server's logger is asynchronous and the
 * last line before exit is sometimes lost, so the exit code plus earlier lines decide.
 */
public final class FailureClassifier {
  /** Substrings of llama-server's stderr (b10470) that mean a retry cannot succeed. */
  private static final List<String> PERMANENT =
      List.of(
          "error loading model",
          "unknown model architecture",
          "does not divide n_embd_head",
          "failed to load model",
          "failed to open gguf file",
          "gguf_init_from_reader",
          "failed to read tensor info",
          "data is not within the file bounds",
          "illegal split file idx",
          "failed to load gguf split",
          "failed to load multimodal model",
          "key not found in model",
          "quantized v cache requires flash_attn",
          "failed to create_context",
          "exiting due to model loading error",
          "error: invalid argument",
          "error while handling argument",
          "error while handling environment variable",
          "unknown value for --flash-attn",
          "unsupported cache type");

  private static final List<String> PORT = List.of("couldn't bind http server socket");

  /**
   * Memory that could not be had now may be free on the next try (an old generation or another
   * process still holds it): these lines make a load failure retryable even though llama-server
   * also prints "error loading model".
   */
  private static final List<String> TRANSIENT =
      List.of("unable to allocate", "failed to allocate", "out of memory", "cudamalloc failed");

  private FailureClassifier() {}

  /** The classified reason of an exit during startup. */
  public static ReasonCode classify(int exitCode, List<String> lastLines) {
    String text = String.join("\n", lastLines).toLowerCase(Locale.ROOT);
    if (PORT.stream().anyMatch(text::contains)) {
      return ReasonCode.PORT_IN_USE;
    }
    if (exitCode == 1
        && PERMANENT.stream().anyMatch(text::contains)
        && TRANSIENT.stream().noneMatch(text::contains)) {
      return ReasonCode.LOAD_FAILED;
    }
    return exitCode > 128 ? ReasonCode.KILLED : ReasonCode.EXITED;
  }

  /** Whether the lines say that llama-server could not allocate memory while loading. */
  public static boolean outOfMemory(List<String> lastLines) {
    String text = String.join("\n", lastLines).toLowerCase(Locale.ROOT);
    return TRANSIENT.stream().anyMatch(text::contains);
  }

  /** The first stderr line that explains a permanent failure, else the last line. */
  public static String explain(List<String> lastLines) {
    for (String line : lastLines) {
      String l = line.toLowerCase(Locale.ROOT);
      if (TRANSIENT.stream().anyMatch(l::contains)) {
        return line.strip();
      }
      if (PERMANENT.stream().anyMatch(l::contains) || PORT.stream().anyMatch(l::contains)) {
        return line.strip();
      }
    }
    return lastLines.isEmpty() ? "" : lastLines.get(lastLines.size() - 1).strip();
  }
}
