package io.llamasupervisor.gguf;

/** Stable reason codes for a rejected GGUF file. The names are part of the public contract. */
public enum Reason {
  /** The file has zero bytes. */
  EMPTY_FILE,
  /** The first four bytes are not {@code GGUF}. */
  BAD_MAGIC,
  /** A version other than 2 or 3. */
  UNSUPPORTED_VERSION,
  /** A byte-swapped (big-endian) file; this reader is little-endian. */
  BYTE_ORDER,
  /** The file ends inside the header, metadata, tensor infos or tensor data. */
  TRUNCATED,
  /** A count or length that cannot fit in the file or exceeds a sane cap. */
  LIMIT_EXCEEDED,
  /** A metadata value type id outside 0..12, or the wrong type for a well-known key. */
  INVALID_VALUE_TYPE,
  /** {@code general.alignment} is not a power of two. */
  INVALID_ALIGNMENT,
  /** Two metadata keys or two tensors with the same name. */
  DUPLICATE_KEY,
  /** Tensor data past the end of the file, overlapping or misplaced tensors, unknown ggml types. */
  TENSOR_OUT_OF_BOUNDS,
  /** No {@code general.architecture}, or no tensors. */
  NOT_A_MODEL,
  /** A split set with a missing or mismatched shard. */
  SPLIT_INCOMPLETE,
  /** The file could not be read. */
  IO_ERROR
}
