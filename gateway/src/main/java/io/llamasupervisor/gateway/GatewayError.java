package io.llamasupervisor.gateway;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.time.Duration;
import java.util.Objects;

/**
 * An answer the gateway gives itself, in OpenAI's error shape: {@code
 * {"error":{"message":…,"type":…,"code":…}}}. {@code retryAfter} (whole seconds, rounded up) is
 * sent as {@code Retry-After} when not null. Immutable.
 */
public record GatewayError(
    int status, String type, String code, String message, Duration retryAfter) {

  public GatewayError {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
  }

  /** 404: no model has this id or alias. */
  public static GatewayError modelNotFound(String name) {
    return error(404, "model_not_found", "The model '" + name + "' does not exist", null);
  }

  /** 400: the body names no model and the gateway serves more than one. */
  public static GatewayError modelRequired(int served) {
    return error(
        400,
        "model_required",
        "The request names no 'model' and this gateway serves " + served + " models",
        null);
  }

  /** 400: the body is not a JSON object, so no model can be read from it. */
  /** 408 {@code request_timeout}: the client fell silent while it sent its request. */
  public static GatewayError requestTimeout(java.time.Duration timeout) {
    return error(
        408,
        "request_timeout",
        "The request did not arrive: nothing was received for "
            + timeout.toMillis()
            + " ms (supervisor.gateway.client-timeout)",
        null);
  }

  /** The longest request line the gateway reads (bytes); longer is 414. */
  static final int MAX_REQUEST_LINE = 8192;

  /** The most header bytes the gateway reads; more is 431. */
  static final int MAX_HEADER_BYTES = 16384;

  /**
   * A request head the decoder refused: 414 {@code uri_too_long} for a request line over {@link
   * #MAX_REQUEST_LINE}, 431 {@code header_fields_too_large} for headers over {@link
   * #MAX_HEADER_BYTES}, else 400 {@code bad_request}.
   */
  public static GatewayError malformedHead(Throwable cause) {
    if (cause instanceof TooLongHttpLineException) {
      return error(
          414,
          "uri_too_long",
          "The request line is longer than " + MAX_REQUEST_LINE / 1024 + " KiB",
          null);
    }
    if (cause instanceof TooLongHttpHeaderException) {
      return error(
          431,
          "header_fields_too_large",
          "The request's header fields exceed " + MAX_HEADER_BYTES / 1024 + " KiB",
          null);
    }
    return badRequest("Malformed HTTP request: " + cause.getMessage());
  }

  /** 400 {@code bad_request}: the request is not well-formed HTTP. */
  public static GatewayError badRequest(String message) {
    return error(400, "bad_request", message, null);
  }

  public static GatewayError invalidBody(String detail) {
    return error(400, "invalid_json", "Request body is not valid JSON: " + detail, null);
  }

  /** 503: the model cannot serve now; {@code reason} is the supervisor's reason code. */
  public static GatewayError modelUnavailable(
      String id, String state, String reason, String message) {
    String why = message == null || message.isBlank() ? "" : ": " + message;
    return error(
        503,
        reason == null || reason.isBlank() ? "model_" + state : reason,
        "The model '" + id + "' is " + state + why,
        null);
  }

  /** 429: the model's queue holds {@code max} requests already. */
  public static GatewayError queueFull(String id, int max, Duration retryAfter) {
    return error(
        429,
        "queue_full",
        "Every slot of the model '" + id + "' is busy and " + max + " requests are waiting",
        retryAfter);
  }

  /** 503: the request waited {@code waited} in the queue without getting a slot. */
  public static GatewayError queueTimeout(String id, Duration waited, Duration retryAfter) {
    return error(
        503,
        "queue_timeout",
        "No slot of the model '" + id + "' became free within " + seconds(waited),
        retryAfter);
  }

  /** 503: the model did not become ready within its startup deadline. */
  public static GatewayError startTimeout(String id, Duration waited, Duration retryAfter) {
    return error(
        503,
        "start_timeout",
        "The model '" + id + "' did not become ready within " + seconds(waited),
        retryAfter);
  }

  /** 413: the body is larger than {@code max} bytes. */
  public static GatewayError bodyTooLarge(long max) {
    return error(413, "request_too_large", "Request body is larger than " + max + " bytes", null);
  }

  /** 401: no key, or a key the gateway does not know. */
  public static GatewayError unauthorized() {
    return error(
        401,
        "invalid_api_key",
        "Missing or invalid API key (send Authorization: Bearer <key>)",
        null);
  }

  /** 403: the key may not use this model. */
  public static GatewayError forbidden(String keyName, String model) {
    return error(
        403,
        "model_not_allowed",
        "The API key '" + keyName + "' may not use the model '" + model + "'",
        null);
  }

  /** 502: no backend could be reached (after the retry). */
  public static GatewayError backendUnavailable(String id, String detail) {
    return error(
        502,
        "backend_unavailable",
        "No backend of the model '" + id + "' could be reached: " + detail,
        null);
  }

  /** 404: the gateway has no such endpoint. */
  public static GatewayError unknownUrl(String method, String path) {
    return error(404, "unknown_url", "Invalid URL (" + method + " " + path + ")", null);
  }

  /** 405: the endpoint exists with another method. */
  public static GatewayError methodNotAllowed(String method, String path) {
    return error(
        405, "method_not_allowed", "Method " + method + " is not allowed on " + path, null);
  }

  /** 503: the gateway is shutting down. */
  public static GatewayError shuttingDown() {
    return error(503, "shutting_down", "The gateway is shutting down", null);
  }

  /** {@code Retry-After} in whole seconds (at least 1), or null. */
  public String retryAfterSeconds() {
    if (retryAfter == null) {
      return null;
    }
    long s = (retryAfter.toMillis() + 999) / 1000;
    return Long.toString(Math.max(1, s));
  }

  /** The JSON body. */
  public String toJson() {
    JsonStringEncoder enc = JsonStringEncoder.getInstance();
    return "{\"error\":{\"message\":\""
        + new String(enc.quoteAsString(message))
        + "\",\"type\":\""
        + new String(enc.quoteAsString(type))
        + "\",\"code\":\""
        + new String(enc.quoteAsString(code))
        + "\"}}";
  }

  /** An error of {@code status} with OpenAI's type for it. */
  private static GatewayError error(int status, String code, String message, Duration retryAfter) {
    String type =
        switch (status) {
          case 400, 404, 405, 408, 413, 414, 431 -> "invalid_request_error";
          case 401 -> "authentication_error";
          case 403 -> "permission_error";
          case 429 -> "rate_limit_error";
          case 502 -> "server_error";
          case 503 -> "unavailable_error";
          default -> throw new IllegalArgumentException("no error type for status " + status);
        };
    return new GatewayError(status, type, code, message, retryAfter);
  }

  private static String seconds(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
  }
}
