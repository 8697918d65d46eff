package io.llamasupervisor.api;

import java.util.List;
import java.util.Objects;

/**
 * Where and how the API listens.
 *
 * @param host address to bind (default {@code 127.0.0.1}); binding a non-loopback address without
 *     keys needs {@code insecure}
 * @param port port to bind (default 8090); 0 picks a free port
 * @param keys API keys ({@code supervisor.api.keys}); empty leaves the API open to whoever can
 *     reach it
 * @param insecure {@code --insecure}: allow a non-loopback address without keys
 */
public record ApiSettings(String host, int port, List<ApiKey> keys, boolean insecure) {
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 8090;

  public ApiSettings {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("API host must not be blank");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("API port must be in 0..65535, was " + port);
    }
    keys = List.copyOf(Objects.requireNonNull(keys, "keys"));
  }

  /** 127.0.0.1:8090, no keys. */
  public static ApiSettings defaults() {
    return new ApiSettings(DEFAULT_HOST, DEFAULT_PORT, List.of(), false);
  }

  public ApiSettings withHost(String newHost) {
    return new ApiSettings(newHost, port, keys, insecure);
  }

  public ApiSettings withPort(int newPort) {
    return new ApiSettings(host, newPort, keys, insecure);
  }

  public ApiSettings withKeys(List<ApiKey> newKeys) {
    return new ApiSettings(host, port, newKeys, insecure);
  }

  public ApiSettings withInsecure(boolean newInsecure) {
    return new ApiSettings(host, port, keys, newInsecure);
  }
}
