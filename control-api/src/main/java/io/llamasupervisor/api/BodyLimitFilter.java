package io.llamasupervisor.api;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;

/**
 * Answers 413 to a request that declares a body larger than {@link ApiServer#MAX_REQUEST_BYTES}. No
 * endpoint reads a body, so Micronaut's own limit (applied while reading) would never fire; the
 * declared length is checked before anything else instead.
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
final class BodyLimitFilter implements Ordered {
  @RequestFilter
  @Nullable
  HttpResponse<?> check(HttpRequest<?> request) {
    long length = request.getContentLength();
    if (length > ApiServer.MAX_REQUEST_BYTES) {
      return ApiErrors.response(
          HttpStatus.REQUEST_ENTITY_TOO_LARGE,
          "payload_too_large",
          "request body of "
              + length
              + " bytes exceeds the limit of "
              + ApiServer.MAX_REQUEST_BYTES
              + " bytes");
    }
    return null;
  }

  @Override
  public int getOrder() {
    return HIGHEST_PRECEDENCE;
  }
}
