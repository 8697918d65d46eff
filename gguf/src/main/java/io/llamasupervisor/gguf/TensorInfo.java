package io.llamasupervisor.gguf;

/**
 * One tensor info entry.
 *
 * @param name tensor name
 * @param dims dimensions, innermost first
 * @param type element type
 * @param offset offset of the data relative to the start of the data section
 * @param byteSize exact size of the data in bytes
 */
public record TensorInfo(String name, long[] dims, GgmlType type, long offset, long byteSize) {
  /** Number of elements (product of the dimensions). */
  public long elements() {
    long n = 1;
    for (long d : dims) {
      n *= d;
    }
    return n;
  }
}
