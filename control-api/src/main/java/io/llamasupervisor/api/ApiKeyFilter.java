package io.llamasupervisor.api;

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
 * ApiRole#ADMIN}. {@code /health} and {@code /openapi.yml} stay open, and so do the dashboard's
 * static files ({@code GET /ui/...}, which hold no data: the page's data calls carry the key). A
 * {@code POST /mcp} needs {@link ApiRole#READ} only: each MCP tool checks the role it needs. A
 * missing or unknown key gets 401 (with {@code WWW-Authenticate: Bearer}), a key whose role is too
 * low 403; unknown paths are checked too, so an anonymous caller cannot probe which routes exist.
 * The accepted key is left on the request as the attribute {@link #KEY_ATTRIBUTE}.
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
final class ApiKeyFilter {
  static final Set<String> OPEN_PATHS = Set.of("/health", "/openapi.yml");

  /** The request attribute holding the {@link ApiKey} that was accepted (absent without keys). */
  static final String KEY_ATTRIBUTE = "llama-supervisor.api-key";

  private final ApiSecurity security;

  ApiKeyFilter(ApiSecurity security) {
    this.security = security;
  }

  @RequestFilter
  @Nullable
  HttpResponse<?> authorize(HttpRequest<?> request) {
    if (OPEN_PATHS.contains(request.getPath()) || UiController.isStaticRequest(request)) {
      return null;
    }
    if (!security.enabled()) {
      return security.insecure() ? null : refuseForeignBrowser(request);
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
    request.setAttribute(KEY_ATTRIBUTE, key.get());
    ApiRole needed =
        request.getPath().equals(McpController.PATH) ? ApiRole.READ : required(request.getMethod());
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

  /**
   * Without keys the API trusts whoever reaches the loopback address; a web page in the operator's
   * browser must not be one of them. Refuses a cross-site {@code Origin} (a page posting to {@code
   * /stop}) and a {@code Host} other than a loopback name (DNS rebinding).
   */
  static HttpResponse<?> refuseForeignBrowser(HttpRequest<?> request) {
    String origin = request.getHeaders().get(HttpHeaders.ORIGIN);
    if (origin != null && !isLoopbackAuthority(hostOf(origin))) {
      return ApiErrors.response(
          HttpStatus.FORBIDDEN,
          "forbidden",
          "cross-origin request from " + origin + " refused: the API has no keys configured");
    }
    String host = request.getHeaders().get(HttpHeaders.HOST);
    if (host != null && !isLoopbackAuthority(host)) {
      return ApiErrors.response(
          HttpStatus.FORBIDDEN,
          "forbidden",
          "Host " + host + " refused: without API keys only loopback names are served");
    }
    return null;
  }

  private static String hostOf(String origin) {
    int scheme = origin.indexOf("://");
    return scheme < 0 ? origin : origin.substring(scheme + 3);
  }

  static boolean isLoopbackAuthority(String authority) {
    String h = authority.trim().toLowerCase(java.util.Locale.ROOT);
    if (h.startsWith("[")) {
      h = h.substring(1, Math.max(1, h.indexOf(']')));
    } else if (h.indexOf(':') == h.lastIndexOf(':') && h.contains(":")) {
      h = h.substring(0, h.indexOf(':'));
    }
    return h.equals("localhost")
        || h.endsWith(".localhost")
        || h.equals("::1")
        || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
  }

  static ApiRole required(HttpMethod method) {
    return switch (method) {
      case GET, HEAD -> ApiRole.READ;
      case POST -> ApiRole.OPERATE;
      default -> ApiRole.ADMIN;
    };
  }
}
