package io.llamasupervisor.app.cli;

import java.net.URI;
import picocli.CommandLine.Option;

/**
 * {@code --url} and {@code --api-key} of the commands that talk to a running {@code serve}. A
 * picocli mixin: {@code @Mixin ApiOptions api;}.
 */
final class ApiOptions {
  /** Where {@code serve} listens by default. */
  static final String DEFAULT_URL = "http://127.0.0.1:8090";

  @Option(
      names = "--url",
      paramLabel = "URL",
      defaultValue = "${env:LLAMA_SUPERVISOR_URL:-" + DEFAULT_URL + "}",
      description = "The API of the running serve (env LLAMA_SUPERVISOR_URL; " + DEFAULT_URL + ").")
  String url;

  @Option(
      names = "--api-key",
      paramLabel = "KEY",
      defaultValue = "${env:LLAMA_SUPERVISOR_API_KEY}",
      description = "API key, sent as a bearer token (env LLAMA_SUPERVISOR_API_KEY).")
  String apiKey;

  /**
   * A client of the API.
   *
   * @throws IllegalArgumentException when {@code --url} is not an http(s) URL
   */
  SupervisorApi client() {
    URI base;
    try {
      base = URI.create(url.strip().replaceAll("/+$", ""));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid --url '" + url + "'");
    }
    if (!"http".equals(base.getScheme()) && !"https".equals(base.getScheme())) {
      throw new IllegalArgumentException("--url must be an http(s) URL, was '" + url + "'");
    }
    return new SupervisorApi(base, apiKey);
  }
}
