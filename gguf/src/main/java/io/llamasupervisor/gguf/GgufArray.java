package io.llamasupervisor.gguf;

import java.util.List;

/**
 * A metadata array. Short arrays of scalars keep their values (per-layer head counts and the like);
 * long arrays such as a tokenizer vocabulary keep only their type and length.
 *
 * @param elementType the element type (ARRAY for nested arrays)
 * @param length the element count as stored in the file
 * @param values the values, or {@code null} when the array was too long or of strings/arrays
 */
public record GgufArray(GgufValueType elementType, long length, List<Object> values) {
  /** Whether {@link #values()} holds the elements. */
  public boolean retained() {
    return values != null;
  }
}
