package io.llamasupervisor.gguf;

/** The parts of a GGUF file, in order; named in {@link Reason#TRUNCATED} messages. */
public enum Section {
  HEADER("header"),
  METADATA("metadata"),
  TENSOR_INFOS("tensor infos"),
  TENSOR_DATA("tensor data");

  private final String label;

  Section(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
