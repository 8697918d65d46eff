package io.llamasupervisor.api;

import io.llamasupervisor.registry.RoutingRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The real API server on a free loopback port over a {@link FakeFleet} and a real {@link
 * RoutingRegistry}, with a JDK HTTP client.
 */
final class ApiTestServer implements AutoCloseable {
  final FakeFleet fleet = new FakeFleet();
  final RoutingRegistry registry = new RoutingRegistry(Clock.systemUTC());
  final FleetMeters meters = new FleetMeters(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  final ApiServer server;
  final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  ApiTestServer(List<ApiKey> keys, Map<String, Object> properties) {
    this(keys, properties, ClusterScope.NONE);
  }

  ApiTestServer(ClusterScope cluster) {
    this(List.of(), Map.of(), cluster);
  }

  private ApiTestServer(List<ApiKey> keys, Map<String, Object> properties, ClusterScope cluster) {
    server =
        ApiServer.start(
            fleet,
            registry,
            ApiSettings.defaults().withPort(0).withKeys(keys),
            meters,
            cluster,
            properties);
  }

  ApiTestServer(List<ApiKey> keys) {
    this(keys, Map.of());
  }

  ApiTestServer() {
    this(List.of());
  }

  URI uri(String pathAndQuery) {
    return URI.create(server.uri() + pathAndQuery);
  }

  HttpResponse<String> get(String pathAndQuery, String... headers) {
    return send(HttpRequest.newBuilder(uri(pathAndQuery)).GET(), headers);
  }

  HttpResponse<String> post(String pathAndQuery, String... headers) {
    return send(
        HttpRequest.newBuilder(uri(pathAndQuery)).POST(HttpRequest.BodyPublishers.noBody()),
        headers);
  }

  HttpResponse<String> send(HttpRequest.Builder b, String... headers) {
    if (headers.length > 0) {
      b.headers(headers);
    }
    try {
      return http.send(
          b.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    server.close();
    registry.close();
    meters.close();
  }
}
