package io.llamasupervisor.registry;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Routing state of one llama-server backend as consumers see it. Only {@link #READY} backends take
 * new traffic; {@link #DRAINING} ones are still listed so consumers know they are going away and
 * can let in-flight requests finish.
 *
 * <p>In JSON a state is written in lower case ({@code "ready"}), like every other state of the API;
 * reading accepts any case, so a client still understands a server that wrote {@code "READY"}.
 */
public enum BackendState {
  /** Process spawned, model still loading: do not route to it. */
  STARTING,
  /** Healthy and serving: the only state that takes new requests. */
  READY,
  /** Being replaced or stopped: finish in-flight work, send nothing new. */
  DRAINING;

  /** Whether a backend in this state takes new requests. */
  public boolean takesTraffic() {
    return this == READY;
  }

  /** The JSON spelling: {@code starting}, {@code ready} or {@code draining}. */
  @JsonValue
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The state named {@code text} in any case.
   *
   * @throws IllegalArgumentException for any other text, naming the allowed values
   */
  @JsonCreator
  public static BackendState parse(String text) {
    if (text != null) {
      for (BackendState s : values()) {
        if (s.name().equalsIgnoreCase(text.strip())) {
          return s;
        }
      }
    }
    throw new IllegalArgumentException(
        "unknown backend state '" + text + "': expected starting, ready or draining");
  }
}
