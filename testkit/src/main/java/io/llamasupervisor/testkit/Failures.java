package io.llamasupervisor.testkit;

import java.util.ArrayList;
import java.util.List;

/**
 * The stderr sequences llama-server b10470 prints when it gives up, line for line as observed (the
 * fit pass makes model errors appear twice). Each sequence ends with the real last line; the
 * process then exits 1.
 */
final class Failures {
  private Failures() {}

  /** A gguf_init error ({@code ggufLines}) surfacing as a model load failure. */
  static List<LogLine> gguf(String pathArg, List<LogLine> ggufLines) {
    return load(pathArg, ggufLines, "llama_model_loader: failed to load model from " + pathArg);
  }

  /** A model-level load error: {@code llama_model_load: error loading model: <message>}. */
  static List<LogLine> model(String pathArg, String message) {
    return load(pathArg, List.of(), message);
  }

  static List<LogLine> load(String pathArg, List<LogLine> ggufLines, String message) {
    List<LogLine> out = new ArrayList<>();
    for (int pass = 0; pass < 2; pass++) {
      out.addAll(ggufLines);
      out.add(LogLine.error(null, "llama_model_load", "error loading model: " + message));
      out.add(LogLine.error(null, "llama_model_load_from_file_impl", "failed to load model"));
      if (pass == 0) {
        out.add(
            LogLine.error(
                null,
                "common_fit_params",
                "encountered an error while trying to fit params to free device memory:"
                    + " failed to load model"));
      }
    }
    out.add(LogLine.error("cmn", "common_init_", "failed to load model '" + pathArg + "'"));
    out.add(LogLine.error("srv", "load_model", "failed to load model, '" + pathArg + "'"));
    return exiting(out, "exiting due to model loading error");
  }

  /** A context creation error ({@code llama_init_from_model}), e.g. a KV cache type problem. */
  static List<LogLine> context(String pathArg, String message) {
    List<LogLine> out = new ArrayList<>();
    out.add(LogLine.error(null, "llama_init_from_model", message));
    out.add(
        LogLine.error(
            null,
            "common_fit_params",
            "encountered an error while trying to fit params to free device memory:"
                + " failed to create llama_context from model"));
    out.add(LogLine.error(null, "llama_init_from_model", message));
    String line = "failed to create context with model '" + pathArg + "'";
    out.add(LogLine.error("cmn", "common_init_", line));
    out.add(LogLine.error("cmn", "common_init_", line));
    out.add(
        LogLine.error(
            "srv", "load_model", "failed to create_context with model '" + pathArg + "'"));
    return exiting(out, "exiting due to model loading error");
  }

  /**
   * {@code --mmproj} that is missing or not a CLIP (projector) model; the server has started its
   * threadpool ({@code threads}) between the two attempts to read it.
   */
  static List<LogLine> mmproj(String mmprojArg, boolean missing, int threads) {
    List<LogLine> out = new ArrayList<>();
    LogLine open =
        LogLine.error(
            null,
            "gguf_init_from_file",
            "failed to open GGUF file '" + mmprojArg + "' (No such file or directory)");
    if (missing) {
      out.add(open);
    }
    out.add(
        LogLine.error(
            null,
            "mtmd_get_memory_usage",
            "error: Failed to load CLIP model from " + mmprojArg + "\n"));
    out.add(LogLine.error("srv", "load_model", "[mtmd] failed to get memory usage of mmproj"));
    out.add(threadpool(threads));
    if (missing) {
      out.add(open);
      out.add(
          LogLine.error(
              null,
              "clip_init",
              "failed to load model '"
                  + mmprojArg
                  + "': clip_model_loader: failed to load CLIP model from "
                  + mmprojArg
                  + ". Does this file exist?\n"));
    }
    out.add(
        LogLine.error(
            null,
            "mtmd_init_from_file",
            "error: Failed to load CLIP model from " + mmprojArg + "\n"));
    out.add(
        LogLine.error("srv", "load_model", "failed to load multimodal model, '" + mmprojArg + "'"));
    return exiting(out, "exiting due to model loading error");
  }

  /** The HTTP listener could not be bound (port in use, bad host or port). */
  static List<LogLine> bind(String host, int port) {
    List<LogLine> out = new ArrayList<>();
    out.add(
        LogLine.error(
            "srv",
            "start",
            "couldn't bind HTTP server socket, hostname: " + host + ", port: " + port));
    return exiting(out, "exiting due to HTTP server error");
  }

  /** {@code -c} below zero: llama.cpp asserts while building the context and aborts. */
  static List<LogLine> negativeContextAbort() {
    return List.of(LogLine.raw("src/llama-context.cpp:2402: GGML_ASSERT(n_outputs >= 1) failed"));
  }

  private static List<LogLine> exiting(List<LogLine> out, String why) {
    out.add(cleaningUp());
    out.add(LogLine.error("srv", "llama_server", why));
    return out;
  }

  static LogLine threadpool(int threads) {
    return LogLine.info("cmn", "init", "llama threadpool init, n_threads = " + threads);
  }

  static LogLine cleaningUp() {
    return LogLine.info("srv", "operator()", "operator(): cleaning up before exit...");
  }
}
