package io.llamasupervisor.api;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /api/v1/whoami}: the caller's key name and role, so a client (the dashboard) can hide
 * what it may not do. {@code {"name": "ops", "role": "operate", "keysRequired": true}}; without
 * configured keys {@code {"name": null, "role": "admin", "keysRequired": false}} (the API is open
 * to local clients). Needs the {@code read} role like every GET.
 */
@Controller
final class WhoAmIController {
  private final ApiSecurity security;

  WhoAmIController(ApiSecurity security) {
    this.security = security;
  }

  @Get(uri = "/api/v1/whoami", produces = MediaType.APPLICATION_JSON)
  MutableHttpResponse<byte[]> whoami(HttpRequest<?> request) {
    ApiKey key = request.getAttribute(ApiKeyFilter.KEY_ATTRIBUTE, ApiKey.class).orElse(null);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", key == null ? null : key.name());
    body.put("role", roleOf(request).label());
    body.put("keysRequired", security.enabled());
    return ModelsController.json(HttpStatus.OK, body);
  }

  /** The role of the request's key; {@link ApiRole#ADMIN} when the API has no keys. */
  static ApiRole roleOf(HttpRequest<?> request) {
    return request
        .getAttribute(ApiKeyFilter.KEY_ATTRIBUTE, ApiKey.class)
        .map(ApiKey::role)
        .orElse(ApiRole.ADMIN);
  }
}
