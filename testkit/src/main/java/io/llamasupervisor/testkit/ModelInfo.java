package io.llamasupervisor.testkit;

import io.llamasupervisor.gguf.GgufFile;
import io.llamasupervisor.gguf.TensorInfo;
import java.util.Map;

/**
 * What the fake knows about its model, from the GGUF header only (no weights are read).
 *
 * @param pathArg the {@code -m} value exactly as given
 * @param architecture {@code general.architecture}
 * @param ctxTrain {@code <arch>.context_length}
 * @param nEmbd {@code <arch>.embedding_length}
 * @param headDimK key head size: {@code attention.key_length}, else embedding / heads; 0 if unknown
 * @param headDimV value head size, likewise
 * @param nVocab vocabulary size
 * @param vocabType llama.cpp's vocab type id (1 SPM, 2 BPE, 3 WPM, 4 UGM, 5 RWKV)
 * @param nParams total tensor elements
 * @param size total tensor bytes
 * @param ftype llama.cpp's file type name, e.g. {@code F16}, {@code Q4_K - Medium}
 * @param chatTemplate the model's template, else llama.cpp's built-in ChatML
 */
record ModelInfo(
    String pathArg,
    String architecture,
    long ctxTrain,
    long nEmbd,
    long headDimK,
    long headDimV,
    long nVocab,
    int vocabType,
    long nParams,
    long size,
    String ftype,
    String chatTemplate) {

  /** llama.cpp's fallback when a model has no {@code tokenizer.chat_template}. */
  static final String CHATML_TEMPLATE =
      "{%- for message in messages -%}\n"
          + "  {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' -}}\n"
          + "{%- endfor -%}\n"
          + "{%- if add_generation_prompt -%}\n"
          + "  {{- '<|im_start|>assistant\\n' -}}\n"
          + "{%- endif -%}";

  private static final Map<String, Integer> VOCAB_TYPES =
      Map.of("no_vocab", 0, "llama", 1, "gpt2", 2, "bert", 3, "t5", 4, "rwkv", 5, "plamo2", 6);

  private static final Map<String, String> FTYPE_NAMES =
      Map.ofEntries(
          Map.entry("ALL_F32", "all F32"),
          Map.entry("MOSTLY_Q2_K", "Q2_K - Medium"),
          Map.entry("MOSTLY_Q2_K_S", "Q2_K - Small"),
          Map.entry("MOSTLY_Q3_K_S", "Q3_K - Small"),
          Map.entry("MOSTLY_Q3_K_M", "Q3_K - Medium"),
          Map.entry("MOSTLY_Q3_K_L", "Q3_K - Large"),
          Map.entry("MOSTLY_Q4_K_S", "Q4_K - Small"),
          Map.entry("MOSTLY_Q4_K_M", "Q4_K - Medium"),
          Map.entry("MOSTLY_Q5_K_S", "Q5_K - Small"),
          Map.entry("MOSTLY_Q5_K_M", "Q5_K - Medium"),
          Map.entry("MOSTLY_IQ2_XXS", "IQ2_XXS - 2.0625 bpw"),
          Map.entry("MOSTLY_IQ2_XS", "IQ2_XS - 2.3125 bpw"),
          Map.entry("MOSTLY_IQ2_S", "IQ2_S - 2.5 bpw"),
          Map.entry("MOSTLY_IQ2_M", "IQ2_M - 2.7 bpw"),
          Map.entry("MOSTLY_IQ3_XS", "IQ3_XS - 3.3 bpw"),
          Map.entry("MOSTLY_IQ3_XXS", "IQ3_XXS - 3.0625 bpw"),
          Map.entry("MOSTLY_IQ1_S", "IQ1_S - 1.5625 bpw"),
          Map.entry("MOSTLY_IQ1_M", "IQ1_M - 1.75 bpw"),
          Map.entry("MOSTLY_IQ4_NL", "IQ4_NL - 4.5 bpw"),
          Map.entry("MOSTLY_IQ4_XS", "IQ4_XS - 4.25 bpw"),
          Map.entry("MOSTLY_IQ3_S", "IQ3_S - 3.4375 bpw"),
          Map.entry("MOSTLY_IQ3_M", "IQ3_S mix - 3.66 bpw"),
          Map.entry("MOSTLY_TQ1_0", "TQ1_0 - 1.69 bpw ternary"),
          Map.entry("MOSTLY_TQ2_0", "TQ2_0 - 2.06 bpw ternary"),
          Map.entry("MOSTLY_MXFP4_MOE", "MXFP4 MoE"));

  /** Reads the facts from a verified header whose architecture and hyperparameters exist. */
  static ModelInfo of(String pathArg, GgufFile f) {
    String arch = f.architecture().orElseThrow();
    long embd = f.embeddingLength().orElse(0);
    long heads = f.headCount().orElse(0);
    long perHead = heads > 0 ? embd / heads : 0;
    long params = 0;
    for (TensorInfo t : f.tensors()) {
      params += t.elements();
    }
    return new ModelInfo(
        pathArg,
        arch,
        f.contextLength().orElse(0),
        embd,
        f.keyLength().orElse(perHead),
        f.valueLength().orElse(perHead),
        f.vocabSize().orElse(0),
        VOCAB_TYPES.getOrDefault(f.string("tokenizer.ggml.model").orElse("llama"), 1),
        params,
        f.tensorBytes(),
        ftypeName(f.fileTypeName().orElse(null)),
        f.string("tokenizer.chat_template").orElse(CHATML_TEMPLATE));
  }

  static String ftypeName(String gguf) {
    if (gguf == null || gguf.startsWith("UNKNOWN")) {
      return "unknown, may not work";
    }
    String named = FTYPE_NAMES.get(gguf);
    if (named != null) {
      return named;
    }
    return gguf.startsWith("MOSTLY_") ? gguf.substring("MOSTLY_".length()) : gguf;
  }
}
