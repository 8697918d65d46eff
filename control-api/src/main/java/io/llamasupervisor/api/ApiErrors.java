package io.llamasupervisor.api;

import io.llamasupervisor.registry.RoutingJson;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The one error body of the API: {@code {"error":{"code":"...","message":"..."}}}. */
final class ApiErrors {
  private ApiErrors() {}

  /** The JSON body. */
  static byte[] body(String code, String message) {
    Map<String, String> error = new LinkedHashMap<>();
    error.put("code", code);
    error.put("message", message);
    return RoutingJson.toBytes(Map.of("error", error));
  }

  /** A complete error response. */
  static MutableHttpResponse<byte[]> response(HttpStatus status, String code, String message) {
    return HttpResponse.<byte[]>status(status)
        .contentType(MediaType.APPLICATION_JSON_TYPE)
        .body(body(code, message));
  }

  /** A code for a status without a more specific one: {@code not_found}, {@code bad_request}... */
  static String codeOf(HttpStatus status) {
    return switch (status) {
      case REQUEST_ENTITY_TOO_LARGE -> "payload_too_large";
      case INTERNAL_SERVER_ERROR -> "internal_error";
      default -> status.name().toLowerCase(Locale.ROOT);
    };
  }
}
