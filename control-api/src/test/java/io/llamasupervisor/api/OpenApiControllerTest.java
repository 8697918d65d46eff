package io.llamasupervisor.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.http.HttpMethod;
import io.micronaut.web.router.Router;
import io.micronaut.web.router.UriRouteInfo;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code /openapi.yml} matches what is served: every controller route is documented, and every
 * documented operation is answered by a route (not a 404 for the path or a 405).
 */
class OpenApiControllerTest {
  static ApiTestServer api;
  static Map<String, Map<String, Object>> paths;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void start() {
    api = new ApiTestServer();
    api.fleet.put(FakeFleet.accepted("m", null, "ready", "ready", 39001));
    HttpResponse<String> r = api.get("/openapi.yml");
    assertEquals(200, r.statusCode());
    Map<String, Object> doc = new Yaml().load(r.body());
    assertEquals("3.0.3", doc.get("openapi"));
    paths = (Map<String, Map<String, Object>>) doc.get("paths");
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  @Test
  void everyRouteIsDocumented() {
    List<UriRouteInfo<?, ?>> routes =
        api.server.context().getBean(Router.class).uriRoutes().toList();
    assertTrue(routes.size() >= 10, "routes: " + routes);
    List<String> missing = new ArrayList<>();
    for (UriRouteInfo<?, ?> route : routes) {
      if (route.getHttpMethod() == HttpMethod.HEAD) {
        continue; // every GET answers HEAD too
      }
      String method = route.getHttpMethod().name().toLowerCase(Locale.ROOT);
      String template = route.getUriMatchTemplate().toString();
      if (template.endsWith("{+path}")) {
        // the catch-all serves the documented /{id}... operations of this method
        String prefix = template.substring(0, template.length() - "{+path}".length()) + "{id}";
        boolean any =
            paths.entrySet().stream()
                .anyMatch(e -> e.getKey().startsWith(prefix) && e.getValue().containsKey(method));
        if (!any) {
          missing.add(method + " " + template);
        }
      } else if (!paths.containsKey(template) || !paths.get(template).containsKey(method)) {
        missing.add(method + " " + template);
      }
    }
    assertTrue(missing.isEmpty(), "undocumented routes: " + missing);
  }

  @Test
  void everyDocumentedOperationIsServed() throws Exception {
    List<String> unserved = new ArrayList<>();
    for (var path : paths.entrySet()) {
      for (String method : path.getValue().keySet()) {
        String concrete = path.getKey().replace("{id}", "m").replace("{file}", "app.js");
        HttpResponse<InputStream> r =
            api.http.send(
                HttpRequest.newBuilder(api.uri(concrete))
                    .timeout(Duration.ofSeconds(10))
                    .method(method.toUpperCase(Locale.ROOT), HttpRequest.BodyPublishers.noBody())
                    .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        int status = r.statusCode();
        String body;
        try (InputStream in = r.body()) {
          body = status >= 400 ? new String(in.readAllBytes()) : "";
        }
        if (status == 405 || (status == 404 && body.contains("\"not_found\""))) {
          unserved.add(method + " " + path.getKey() + " -> " + status);
        }
      }
    }
    assertTrue(unserved.isEmpty(), "documented but not served: " + unserved);
  }

  @Test
  void documentIsOpenAndYaml() {
    HttpResponse<String> r = api.get("/openapi.yml");
    assertTrue(r.headers().firstValue("Content-Type").orElseThrow().contains("yaml"));
    assertFalse(r.body().isBlank());
    assertNotEquals(-1, r.body().indexOf("/api/v1/routes"));
  }
}
