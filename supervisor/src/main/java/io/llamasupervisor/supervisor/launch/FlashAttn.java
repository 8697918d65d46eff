package io.llamasupervisor.supervisor.launch;

import java.util.Locale;
import java.util.Optional;

/** llama-server's {@code --flash-attn on|off|auto}. */
public enum FlashAttn {
  ON,
  OFF,
  AUTO;

  public String flag() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses {@code on|off|auto} case-insensitively. Also accepts a boolean, because YAML 1.1 reads
   * an unquoted {@code on}/{@code off} as true/false.
   */
  public static Optional<FlashAttn> parse(Object value) {
    if (value instanceof Boolean b) {
      return Optional.of(b ? ON : OFF);
    }
    if (value == null) {
      return Optional.empty();
    }
    for (FlashAttn f : values()) {
      if (f.flag().equalsIgnoreCase(value.toString().trim())) {
        return Optional.of(f);
      }
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return flag();
  }
}
