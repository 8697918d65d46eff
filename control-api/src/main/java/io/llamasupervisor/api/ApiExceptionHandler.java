package io.llamasupervisor.api;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

/** Answers an {@link ApiException} with its status and the JSON error body. */
@Produces
@Singleton
@Requires(classes = {ApiException.class, ExceptionHandler.class})
final class ApiExceptionHandler implements ExceptionHandler<ApiException, HttpResponse<?>> {
  @Override
  public HttpResponse<?> handle(HttpRequest request, ApiException e) {
    return ApiErrors.response(e.status(), e.code(), e.getMessage());
  }
}
