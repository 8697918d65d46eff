package io.llamasupervisor.gguf;

/** The 13 metadata value types of GGUF, with their on-disk ids and fixed sizes. */
public enum GgufValueType {
  UINT8(0, 1),
  INT8(1, 1),
  UINT16(2, 2),
  INT16(3, 2),
  UINT32(4, 4),
  INT32(5, 4),
  FLOAT32(6, 4),
  BOOL(7, 1),
  STRING(8, -1),
  ARRAY(9, -1),
  UINT64(10, 8),
  INT64(11, 8),
  FLOAT64(12, 8);

  private static final GgufValueType[] BY_ID = values();

  private final int id;
  private final int size;

  GgufValueType(int id, int size) {
    this.id = id;
    this.size = size;
  }

  public int id() {
    return id;
  }

  /** Fixed size in bytes, or -1 for STRING and ARRAY. */
  public int size() {
    return size;
  }

  /** Smallest number of bytes a value of this type can take on disk. */
  int minSize() {
    return switch (this) {
      case STRING -> 8; // length only
      case ARRAY -> 12; // element type + count
      default -> size;
    };
  }

  static GgufValueType byId(long id) {
    return id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
  }
}
