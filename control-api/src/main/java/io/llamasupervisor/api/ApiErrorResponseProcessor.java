package io.llamasupervisor.api;

import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.server.exceptions.response.Error;
import io.micronaut.http.server.exceptions.response.ErrorContext;
import io.micronaut.http.server.exceptions.response.ErrorResponseProcessor;
import jakarta.inject.Singleton;
import java.util.stream.Collectors;

/**
 * Gives Micronaut's own errors (no such route, method not allowed, unsupported media type, body too
 * large, unbound arguments, uncaught exceptions) the API's JSON error body. Server errors say only
 * that something failed (Micronaut logs the cause); a client never sees a stack trace.
 */
@Singleton
final class ApiErrorResponseProcessor implements ErrorResponseProcessor<byte[]> {
  @Override
  @SuppressWarnings("unchecked")
  public MutableHttpResponse<byte[]> processResponse(
      ErrorContext context, MutableHttpResponse<?> response) {
    HttpStatus status = response.getStatus();
    String message;
    if (status.getCode() >= 500) {
      // Micronaut has logged the cause with its stack trace; the client gets no details
      message = "internal error while answering " + context.getRequest().getPath();
    } else if (status == HttpStatus.NOT_FOUND) {
      message = "no such path: " + context.getRequest().getPath();
    } else {
      message = messageOf(context, status);
    }
    MutableHttpResponse<byte[]> r = (MutableHttpResponse<byte[]>) response;
    if (context.getRequest().getMethod() == HttpMethod.HEAD) {
      return r;
    }
    return r.contentType(MediaType.APPLICATION_JSON_TYPE)
        .body(ApiErrors.body(ApiErrors.codeOf(status), message));
  }

  private static String messageOf(ErrorContext context, HttpStatus status) {
    String joined =
        context.getErrors().stream()
            .map(Error::getMessage)
            .filter(m -> m != null && !m.isBlank())
            .collect(Collectors.joining("; "));
    return joined.isEmpty() ? status.getReason() : joined;
  }
}
