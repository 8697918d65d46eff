package io.llamasupervisor.api;

import java.util.Locale;
import java.util.Optional;

/**
 * What an API key may do. Roles are ordered: each includes the ones before it.
 *
 * <ul>
 *   <li>{@link #INFER}: nothing on the API (403); the key is for the gateway only;
 *   <li>{@link #READ}: every {@code GET} (routes, models, logs, LiteLLM export, metrics);
 *   <li>{@link #OPERATE}: also {@code POST} start, stop, restart and rescan;
 *   <li>{@link #ADMIN}: everything.
 * </ul>
 */
public enum ApiRole {
  INFER,
  READ,
  OPERATE,
  ADMIN;

  /** Whether a key with this role may do what {@code needed} allows. */
  public boolean includes(ApiRole needed) {
    return compareTo(needed) >= 0;
  }

  /** The name as written in configuration: {@code read}, {@code operate}, {@code admin}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a configured role case-insensitively. */
  public static Optional<ApiRole> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    for (ApiRole r : values()) {
      if (r.label().equalsIgnoreCase(text.strip())) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }
}
