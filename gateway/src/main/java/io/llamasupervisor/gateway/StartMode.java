package io.llamasupervisor.gateway;

/** When the supervisor starts a model: at once ({@link #ALWAYS}) or on its first request. */
public enum StartMode {
  ALWAYS,
  ON_DEMAND;

  /** {@code always} or {@code on-demand} (also {@code on_demand}, any case). */
  public static StartMode parse(String text) {
    if (text == null || text.isBlank()) {
      return ALWAYS;
    }
    return switch (text.strip().toLowerCase().replace('_', '-')) {
      case "always" -> ALWAYS;
      case "on-demand", "ondemand" -> ON_DEMAND;
      default ->
          throw new IllegalArgumentException(
              "start mode must be 'always' or 'on-demand', was '" + text + "'");
    };
  }

  /** The configuration spelling: {@code always} or {@code on-demand}. */
  public String text() {
    return this == ALWAYS ? "always" : "on-demand";
  }
}
