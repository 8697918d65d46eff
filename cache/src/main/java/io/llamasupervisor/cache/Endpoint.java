package io.llamasupervisor.cache;

import java.util.Optional;

/** The OpenAI-compatible endpoints whose responses can be cached. */
public enum Endpoint {
  /** {@code POST /v1/chat/completions}: exact and semantic caching. */
  CHAT_COMPLETIONS("/v1/chat/completions"),
  /** {@code POST /v1/completions}: exact caching only (there is no "last user message"). */
  COMPLETIONS("/v1/completions");

  private final String path;

  Endpoint(String path) {
    this.path = path;
  }

  public String path() {
    return path;
  }

  /**
   * The endpoint of a request path: {@code /v1/chat/completions} or {@code /chat/completions}, and
   * {@code /v1/completions}; anything else (also llama-server's native {@code /completions}) is not
   * cached.
   */
  public static Optional<Endpoint> ofPath(String requestPath) {
    if (requestPath == null) {
      return Optional.empty();
    }
    int q = requestPath.indexOf('?');
    String p = q >= 0 ? requestPath.substring(0, q) : requestPath;
    while (p.endsWith("/") && p.length() > 1) {
      p = p.substring(0, p.length() - 1);
    }
    if (p.equals("/v1/chat/completions") || p.equals("/chat/completions")) {
      return Optional.of(CHAT_COMPLETIONS);
    }
    if (p.equals("/v1/completions")) {
      // llama-server's /completions is its native endpoint (/completion), not this one
      return Optional.of(COMPLETIONS);
    }
    return Optional.empty();
  }
}
