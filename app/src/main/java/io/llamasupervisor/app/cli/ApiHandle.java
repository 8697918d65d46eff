package io.llamasupervisor.app.cli;

import io.llamasupervisor.api.ApiKey;
import io.llamasupervisor.api.ApiKeyException;
import io.llamasupervisor.api.ApiServer;
import io.llamasupervisor.api.ApiSettings;
import io.llamasupervisor.api.FleetMeters;
import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.supervisor.config.ConfigException;
import io.llamasupervisor.supervisor.config.ServeConfig;
import io.llamasupervisor.supervisor.config.SupervisorConfig;
import io.llamasupervisor.supervisor.supervise.Fleet;
import java.util.List;
import java.util.Map;

/** Starts the HTTP API of {@code serve} from the configuration. */
final class ApiHandle {
  private ApiHandle() {}

  /**
   * The API settings from {@code supervisor.api.*}, checked against the binding rules (a
   * non-loopback address needs API keys or {@code --insecure}) before anything is started.
   *
   * @throws ConfigException for invalid API keys
   * @throws IllegalStateException when the binding rules refuse the address
   */
  static ApiSettings settings(SupervisorConfig config, ServeConfig serve, boolean insecure) {
    Object keys = config.tree().get("supervisor", "api", "keys").orElse(null);
    List<ApiKey> apiKeys;
    try {
      apiKeys = ApiKey.fromConfig(keys);
    } catch (ApiKeyException e) {
      throw new ConfigException(e.key(), e.reason());
    }
    ApiSettings settings = new ApiSettings(serve.apiHost(), serve.apiPort(), apiKeys, insecure);
    ApiServer.checkBinding(settings);
    return settings;
  }

  /**
   * @throws IllegalStateException when the server cannot start (e.g. the port is taken)
   */
  static ApiServer start(
      Fleet fleet, RoutingRegistry routes, FleetMeters meters, ApiSettings settings) {
    return ApiServer.start(fleet, routes, settings, meters, Map.of());
  }
}
