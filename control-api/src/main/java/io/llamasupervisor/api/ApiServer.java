package io.llamasupervisor.api;

import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.supervisor.supervise.Fleet;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running HTTP API of {@code serve}: a Micronaut application context with the Netty server,
 * whose singletons are the supervisor's {@link Fleet}, its {@link RoutingRegistry}, an {@link
 * ApiSecurity} and a {@link FleetMeters}.
 *
 * <p>Bootstrap is one call:
 *
 * <pre>{@code
 * PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
 * FleetMeters meters = new FleetMeters(metrics); // give it to the supervisor and the catalog too
 * // other meters (e.g. the gateway's) may register on metrics: GET /metrics renders them all
 * ApiSettings settings = new ApiSettings(host, port, ApiKey.fromConfig(keysNode), insecure);
 * ApiServer api = ApiServer.start(fleet, routes, settings, meters, Map.of());
 * ...
 * api.close();
 * }</pre>
 *
 * <p>Binding rules: with no API keys the API is open to whoever reaches it, so it must listen on a
 * loopback address (the default {@code 127.0.0.1}), and says so in its log. A non-loopback address
 * without keys is refused with an {@link IllegalStateException} unless {@code insecure} is set.
 */
public final class ApiServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);

  /** Largest request body accepted (commands take none); larger ones get 413. */
  static final int MAX_REQUEST_BYTES = 64 * 1024;

  private final ApplicationContext context;
  private final EmbeddedServer server;

  private ApiServer(ApplicationContext context, EmbeddedServer server) {
    this.context = context;
    this.server = server;
  }

  /**
   * {@link #start(Fleet, RoutingRegistry, ApiSettings, FleetMeters, Map)} with fresh meters on a
   * registry of their own.
   */
  public static ApiServer start(
      Fleet fleet,
      RoutingRegistry routes,
      ApiSettings settings,
      Map<String, Object> extraProperties) {
    return start(
        fleet,
        routes,
        settings,
        new FleetMeters(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)),
        extraProperties);
  }

  /**
   * Checks the binding rules, starts the context and the server, and returns once it listens.
   *
   * @param extraProperties further Micronaut properties (they win over the defaults set here:
   *     {@code micronaut.server.host/port} from {@code settings} and a 64 KiB request-size limit)
   * @throws IllegalStateException when the binding rules refuse the settings, or the server cannot
   *     start (e.g. the port is taken); nothing is left running then
   */
  public static ApiServer start(
      Fleet fleet,
      RoutingRegistry routes,
      ApiSettings settings,
      FleetMeters meters,
      Map<String, Object> extraProperties) {
    return start(fleet, routes, settings, meters, ClusterScope.NONE, extraProperties);
  }

  /**
   * {@link #start(Fleet, RoutingRegistry, ApiSettings, FleetMeters, Map)} that also serves the
   * cluster table {@code cluster} ({@code GET /api/v1/routes?scope=cluster}).
   */
  public static ApiServer start(
      Fleet fleet,
      RoutingRegistry routes,
      ApiSettings settings,
      FleetMeters meters,
      ClusterScope cluster,
      Map<String, Object> extraProperties) {
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(fleet, "fleet");
    Objects.requireNonNull(routes, "routes");
    Objects.requireNonNull(meters, "meters");
    ApiSecurity security = new ApiSecurity(settings.keys(), settings.insecure());
    checkBinding(settings);
    checkFree(settings);
    Map<String, Object> props = new LinkedHashMap<>();
    props.put("micronaut.server.host", settings.host());
    props.put("micronaut.server.port", settings.port() == 0 ? -1 : settings.port());
    props.put("micronaut.server.max-request-size", MAX_REQUEST_BYTES);
    props.putAll(extraProperties);
    ApplicationContext context =
        ApplicationContext.builder()
            .deduceEnvironment(false)
            .banner(false)
            .properties(props)
            .singletons(fleet, routes, security, meters, cluster)
            .start();
    try {
      EmbeddedServer server = context.getBean(EmbeddedServer.class);
      server.start();
      if (!security.enabled() && server.getHost() != null && isLoopback(settings.host())) {
        LOG.info(
            "no API keys configured (supervisor.api.keys): the API is open and listens on {} only",
            settings.host());
      }
      LOG.info(
          "API listening on {} ({})",
          server.getURL(),
          security.enabled()
              ? security.keys().size() + " API key(s)"
              : "no API keys: open to local clients only");
      return new ApiServer(context, server);
    } catch (RuntimeException e) {
      context.close();
      throw cannotStart(settings, e);
    }
  }

  private static IllegalStateException cannotStart(ApiSettings settings, Exception e) {
    return new IllegalStateException(
        "cannot start the API on "
            + settings.host()
            + ":"
            + settings.port()
            + ": "
            + rootMessage(e),
        e);
  }

  /**
   * Refuses a port that is taken before Micronaut tries it (which logs a stack trace at ERROR).
   *
   * @throws IllegalStateException {@code cannot start the API on H:P: address already in use}
   */
  private static void checkFree(ApiSettings settings) {
    if (settings.port() == 0) {
      return;
    }
    try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new java.net.InetSocketAddress(settings.host(), settings.port()));
    } catch (java.io.IOException e) {
      throw cannotStart(settings, e);
    }
  }

  private static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** The innermost message of a cause chain, lower-cased when it is an OS error text. */
  private static String rootMessage(Throwable e) {
    String message = e.getClass().getSimpleName();
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        message = t.getMessage();
      }
      if (t instanceof java.net.SocketException) {
        return message.toLowerCase(java.util.Locale.ROOT);
      }
    }
    return message;
  }

  /**
   * Refuses a non-loopback address without keys unless insecure, and warns about one that is
   * allowed by {@code --insecure}; {@link #start} logs once that an API on loopback is open.
   *
   * @throws IllegalStateException with a message that says what to do
   */
  public static void checkBinding(ApiSettings settings) {
    if (!settings.keys().isEmpty()) {
      return;
    }
    boolean loopback;
    try {
      loopback = InetAddress.getByName(settings.host()).isLoopbackAddress();
    } catch (UnknownHostException e) {
      throw new IllegalStateException("cannot resolve API host " + settings.host(), e);
    }
    if (loopback) {
      return; // start() says so once it listens
    }
    if (!settings.insecure()) {
      throw new IllegalStateException(
          "refusing to serve the API on "
              + settings.host()
              + " without API keys: anyone who can reach it could stop and restart models."
              + " Configure supervisor.api.keys, listen on 127.0.0.1, or pass --insecure");
    }
    LOG.warn(
        "--insecure: the API listens on {} without API keys; anyone who can reach it can stop and"
            + " restart models",
        settings.host());
  }

  /** The base URL, e.g. {@code http://127.0.0.1:8090}. */
  public URI uri() {
    return URI.create("http://" + hostForUrl(server.getHost()) + ":" + server.getPort());
  }

  public int port() {
    return server.getPort();
  }

  /** The Micronaut context, for tests and diagnostics. */
  public ApplicationContext context() {
    return context;
  }

  /** Stops the server and the context; open streams end. Idempotent. */
  @Override
  public void close() {
    if (server.isRunning()) {
      server.stop();
    }
    if (context.isRunning()) {
      context.close();
    }
  }

  private static String hostForUrl(String host) {
    return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
  }
}
