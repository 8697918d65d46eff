package io.llamasupervisor.api;

import io.micronaut.http.HttpStatus;

/**
 * A request the API refuses, answered as {@code {"error":{"code":..., "message":...}}} with {@link
 * #status()} by {@link ApiExceptionHandler}. Carries no stack trace: it is an answer, not a bug.
 */
final class ApiException extends RuntimeException {
  private final HttpStatus status;
  private final String code;

  ApiException(HttpStatus status, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  static ApiException badRequest(String message) {
    return new ApiException(HttpStatus.BAD_REQUEST, "bad_request", message);
  }

  static ApiException modelNotFound(String idOrAlias) {
    return new ApiException(
        HttpStatus.NOT_FOUND, "model_not_found", "no model with id or alias '" + idOrAlias + "'");
  }

  HttpStatus status() {
    return status;
  }

  String code() {
    return code;
  }
}
