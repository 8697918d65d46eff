package io.llamasupervisor.gateway;

import java.util.Set;

/** The paths the gateway passes through to llama-server (POST, byte for byte). */
final class Endpoints {
  private Endpoints() {}

  static final Set<String> PROXIED =
      Set.of(
          "/v1/chat/completions",
          "/v1/completions",
          "/v1/responses",
          "/v1/embeddings",
          "/v1/rerank",
          "/v1/messages",
          "/v1/messages/count_tokens",
          "/completion",
          "/infill",
          "/tokenize",
          "/detokenize",
          "/apply-template",
          "/chat/completions",
          "/completions",
          "/embeddings",
          "/embedding",
          "/rerank",
          "/reranking",
          "/v1/reranking");

  /** The path of a request target, without query string. */
  static String path(String uri) {
    int q = uri.indexOf('?');
    return q < 0 ? uri : uri.substring(0, q);
  }
}
