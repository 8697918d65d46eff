package io.llamasupervisor.supervisor.api;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import java.util.Optional;
import java.util.Set;

/**
 * Checks the API key of every request when keys are configured. {@code GET}/{@code HEAD} need
 * {@link ApiRole#READ}, {@code POST} needs {@link ApiRole#OPERATE}, anything else {@link
 * ApiRole#ADMIN}. {@code /health} and {@code /openapi.yml} stay open. A missing or unknown key gets
 * 401 (with {@code WWW-Authenticate: Bearer}), a key whose role is too low 403; unknown paths are
 * checked too, so an anonymous caller cannot probe which routes exist.
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
final class ApiKeyFilter {
  static final Set<String> OPEN_PATHS = Set.of("/health", "/openapi.yml");

  private final ApiSecurity security;

  ApiKeyFilter(ApiSecurity security) {
    this.security = security;
  }

  @RequestFilter
  @Nullable
  HttpResponse<?> authorize(HttpRequest<?> request) {
    if (!security.enabled() || OPEN_PATHS.contains(request.getPath())) {
      return null;
    }
    Optional<ApiKey> key =
        security.authenticate(request.getHeaders().get(HttpHeaders.AUTHORIZATION));
    if (key.isEmpty()) {
      return ApiErrors.response(
              HttpStatus.UNAUTHORIZED,
              "unauthorized",
              "missing or unknown API key: send Authorization: Bearer <key>")
          .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"llama-supervisor\"");
    }
    ApiRole needed = required(request.getMethod());
    if (!key.get().role().includes(needed)) {
      return ApiErrors.response(
          HttpStatus.FORBIDDEN,
          "forbidden",
          "API key '"
              + key.get().name()
              + "' has role "
              + key.get().role().label()
              + "; "
              + request.getMethod()
              + " needs "
              + needed.label());
    }
    return null;
  }

  static ApiRole required(HttpMethod method) {
    return switch (method) {
      case GET, HEAD -> ApiRole.READ;
      case POST -> ApiRole.OPERATE;
      default -> ApiRole.ADMIN;
    };
  }
}
