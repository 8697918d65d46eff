package io.llamasupervisor.supervisor.launch;

import java.util.Locale;
import java.util.Optional;

/** When the supervisor starts a model: at once ({@code always}) or at its first request. */
public enum StartMode {
  /** Started as soon as it is verified, and kept running. */
  ALWAYS,
  /** Not started until a request wants it (the gateway asks the supervisor). */
  ON_DEMAND;

  /** The configuration spelling: {@code always} or {@code on-demand}. */
  public String label() {
    return this == ALWAYS ? "always" : "on-demand";
  }

  /** Parses {@code always} or {@code on-demand} (any case); empty otherwise. */
  public static Optional<StartMode> parse(Object value) {
    if (value == null) {
      return Optional.empty();
    }
    String s = value.toString().trim().toLowerCase(Locale.ROOT);
    return switch (s) {
      case "always" -> Optional.of(ALWAYS);
      case "on-demand" -> Optional.of(ON_DEMAND);
      default -> Optional.empty();
    };
  }
}
