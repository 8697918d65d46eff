package io.llamasupervisor.gguf;

import java.util.Map;

/** Names of llama.cpp's {@code llama_ftype} values ({@code general.file_type}). */
final class FileTypes {
  private static final Map<Long, String> NAMES =
      Map.ofEntries(
          Map.entry(0L, "ALL_F32"),
          Map.entry(1L, "MOSTLY_F16"),
          Map.entry(2L, "MOSTLY_Q4_0"),
          Map.entry(3L, "MOSTLY_Q4_1"),
          Map.entry(7L, "MOSTLY_Q8_0"),
          Map.entry(8L, "MOSTLY_Q5_0"),
          Map.entry(9L, "MOSTLY_Q5_1"),
          Map.entry(10L, "MOSTLY_Q2_K"),
          Map.entry(11L, "MOSTLY_Q3_K_S"),
          Map.entry(12L, "MOSTLY_Q3_K_M"),
          Map.entry(13L, "MOSTLY_Q3_K_L"),
          Map.entry(14L, "MOSTLY_Q4_K_S"),
          Map.entry(15L, "MOSTLY_Q4_K_M"),
          Map.entry(16L, "MOSTLY_Q5_K_S"),
          Map.entry(17L, "MOSTLY_Q5_K_M"),
          Map.entry(18L, "MOSTLY_Q6_K"),
          Map.entry(19L, "MOSTLY_IQ2_XXS"),
          Map.entry(20L, "MOSTLY_IQ2_XS"),
          Map.entry(21L, "MOSTLY_Q2_K_S"),
          Map.entry(22L, "MOSTLY_IQ3_XS"),
          Map.entry(23L, "MOSTLY_IQ3_XXS"),
          Map.entry(24L, "MOSTLY_IQ1_S"),
          Map.entry(25L, "MOSTLY_IQ4_NL"),
          Map.entry(26L, "MOSTLY_IQ3_S"),
          Map.entry(27L, "MOSTLY_IQ3_M"),
          Map.entry(28L, "MOSTLY_IQ2_S"),
          Map.entry(29L, "MOSTLY_IQ2_M"),
          Map.entry(30L, "MOSTLY_IQ4_XS"),
          Map.entry(31L, "MOSTLY_IQ1_M"),
          Map.entry(32L, "MOSTLY_BF16"),
          Map.entry(36L, "MOSTLY_TQ1_0"),
          Map.entry(37L, "MOSTLY_TQ2_0"),
          Map.entry(38L, "MOSTLY_MXFP4_MOE"),
          Map.entry(39L, "MOSTLY_NVFP4"),
          Map.entry(1024L, "GUESSED"));

  private FileTypes() {}

  static String name(long id) {
    return NAMES.getOrDefault(id, "UNKNOWN(" + id + ")");
  }
}
