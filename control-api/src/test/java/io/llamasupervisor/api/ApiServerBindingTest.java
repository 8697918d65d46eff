package io.llamasupervisor.api;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.registry.RoutingRegistry;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Where the API may listen without keys, and what a failed start leaves behind. */
class ApiServerBindingTest {
  final RoutingRegistry registry = new RoutingRegistry(Clock.systemUTC());

  @AfterEach
  void close() {
    registry.close();
  }

  @Test
  void openApiOnANonLoopbackAddressIsRefusedWithoutInsecure() {
    ApiSettings wide = ApiSettings.defaults().withHost("0.0.0.0").withPort(0);
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> ApiServer.start(new FakeFleet(), registry, wide, Map.of()));
    assertTrue(e.getMessage().contains("supervisor.api.keys"), e.getMessage());
    assertTrue(e.getMessage().contains("--insecure"), e.getMessage());
    assertDoesNotThrow(() -> ApiServer.checkBinding(wide.withInsecure(true)));
    assertDoesNotThrow(
        () ->
            ApiServer.checkBinding(
                wide.withKeys(List.of(ApiKey.plain("k", ApiRole.READ, "0123456789abcdef")))));
  }

  @Test
  void loopbackWithoutKeysIsAllowed() {
    assertDoesNotThrow(() -> ApiServer.checkBinding(ApiSettings.defaults()));
    assertDoesNotThrow(() -> ApiServer.checkBinding(ApiSettings.defaults().withHost("::1")));
    assertDoesNotThrow(() -> ApiServer.checkBinding(ApiSettings.defaults().withHost("localhost")));
  }

  /**
   * Regression: a taken port read {@code cannot start the API on H:P:
   * io.micronaut.http.server.exceptions.ServerStartupException: …}, after an ERROR log of a stack
   * trace.
   */
  @Test
  void aTakenPortFailsTheStartCleanlyInWordsWithoutExceptionClassNames() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class,
              () ->
                  ApiServer.start(
                      new FakeFleet(),
                      registry,
                      ApiSettings.defaults().withPort(taken.getLocalPort()),
                      Map.of()));
      assertTrue(e.getMessage().contains("cannot start the API"), e.getMessage());
      assertEquals(
          "cannot start the API on 127.0.0.1:" + taken.getLocalPort() + ": address already in use",
          e.getMessage());
    }
    // nothing was left holding the registry: a second server starts and stops normally
    try (ApiServer ok =
        ApiServer.start(new FakeFleet(), registry, ApiSettings.defaults().withPort(0), Map.of())) {
      HttpResponse<Void> health =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(ok.uri() + "/health")).build(),
                  HttpResponse.BodyHandlers.discarding());
      assertEquals(200, health.statusCode());
    }
  }
}
