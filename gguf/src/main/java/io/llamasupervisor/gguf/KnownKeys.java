package io.llamasupervisor.gguf;

import java.util.Map;

/** Value types that well-known keys must have; a mismatch is {@link Reason#INVALID_VALUE_TYPE}. */
final class KnownKeys {
  private enum Kind {
    STRING,
    INTEGER
  }

  private static final Map<String, Kind> KINDS =
      Map.of(
          "general.architecture", Kind.STRING,
          "general.name", Kind.STRING,
          "general.file_type", Kind.INTEGER,
          "split.no", Kind.INTEGER,
          "split.count", Kind.INTEGER,
          "split.tensors.count", Kind.INTEGER);

  private KnownKeys() {}

  static void check(String key, GgufValueType type, Object value, long offset)
      throws GgufFormatException {
    Kind kind = KINDS.get(key);
    if (kind == null) {
      if (key.endsWith(".context_length")
          || key.endsWith(".block_count")
          || key.endsWith(".embedding_length")) {
        kind = Kind.INTEGER;
      } else {
        return;
      }
    }
    boolean ok = kind == Kind.STRING ? value instanceof String : value instanceof Long;
    if (!ok) {
      throw new GgufFormatException(
          Reason.INVALID_VALUE_TYPE,
          "metadata key '"
              + key
              + "' at offset "
              + offset
              + " has type "
              + type
              + ": expected "
              + (kind == Kind.STRING ? "STRING" : "an integer type"));
    }
  }
}
