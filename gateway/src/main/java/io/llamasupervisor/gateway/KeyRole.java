package io.llamasupervisor.gateway;

/**
 * Roles of API keys. The gateway accepts each of them; {@link #INFER} keys are for the gateway only
 * (the control API refuses them).
 */
public enum KeyRole {
  READ,
  OPERATE,
  ADMIN,
  INFER;

  /** {@code read}, {@code operate}, {@code admin} or {@code infer}, any case. */
  public static KeyRole parse(String text) {
    for (KeyRole r : values()) {
      if (r.name().equalsIgnoreCase(text == null ? "" : text.strip())) {
        return r;
      }
    }
    throw new IllegalArgumentException(
        "role must be one of read, operate, admin, infer, was '" + text + "'");
  }
}
