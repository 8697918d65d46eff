package io.llamasupervisor.supervisor.memory;

/** The kinds of buffer llama.cpp logs a size for. */
public enum BufferKind {
  MODEL,
  KV,
  COMPUTE,
  OUTPUT
}
