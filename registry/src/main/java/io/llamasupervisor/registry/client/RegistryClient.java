package io.llamasupervisor.registry.client;

import io.llamasupervisor.registry.RegistryApi;
import io.llamasupervisor.registry.RoutingTable;
import io.llamasupervisor.registry.WaitParam;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * A plain-JDK client of the routing registry's HTTP API ({@link RegistryApi}).
 *
 * <p>{@link #routes()} fetches the table, revalidating with {@code If-None-Match} once it has one.
 * {@link #watch} follows the table with blocking queries and reconnects with capped, jittered
 * exponential backoff. {@link #close()} stops every watch of this client. Thread-safe.
 *
 * <p>Clients in one process share by default one JDK HTTP client, and a table body that several of
 * them receive (a change waking many watches) is parsed once and its immutable table shared.
 */
public final class RegistryClient implements AutoCloseable {
  private final URI routesUri;
  private final HttpClient http;
  private final String apiKey;
  private final Duration wait;
  private final Duration requestTimeout;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final Clock clock;
  private final Set<RegistryWatch> watches = ConcurrentHashMap.newKeySet();
  private volatile RoutingTable cached;
  private volatile boolean closed;

  private RegistryClient(Builder b) {
    String base = b.baseUri.toString();
    this.routesUri =
        URI.create(
            (base.endsWith("/") ? base.substring(0, base.length() - 1) : base)
                + RegistryApi.ROUTES_PATH);
    this.http = b.httpClient != null ? b.httpClient : SharedHttp.CLIENT;
    this.apiKey = b.apiKey;
    this.wait = b.wait;
    this.requestTimeout = b.requestTimeout;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
    this.clock = b.clock;
  }

  /** A builder for a client of the registry at {@code baseUri}, e.g. {@code http://host:8080}. */
  public static Builder builder(URI baseUri) {
    return new Builder(baseUri);
  }

  /**
   * The current table. After the first call, sends the last table's tag in {@code If-None-Match}
   * and returns the cached table on 304, unless the 304 names another epoch (a restarted registry
   * that reached the same version), in which case it fetches in full.
   *
   * @throws RegistryHttpException on any status other than 200 or 304
   * @throws IOException when the registry cannot be reached or sends an invalid table
   */
  public RoutingTable routes() throws IOException, InterruptedException {
    requireOpen();
    RoutingTable known = cached;
    if (known != null) {
      HttpResponse<byte[]> r =
          http.send(
              request(routesUri, requestTimeout)
                  .header("If-None-Match", RegistryApi.etag(known))
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      if (r.statusCode() == 304) {
        String epoch = r.headers().firstValue(RegistryApi.EPOCH_HEADER).orElse(known.epoch());
        if (epoch.equals(known.epoch())) {
          return known;
        }
      } else {
        return accept(r);
      }
    }
    return accept(
        http.send(
            request(routesUri, requestTimeout).build(), HttpResponse.BodyHandlers.ofByteArray()));
  }

  /**
   * Follows the table until the returned watch or this client is closed. {@code listener} is called
   * one table at a time: first the current table, then each newer one (intermediate versions may be
   * skipped when several changes land during one round trip). When the registry restarts, the first
   * table of the new epoch is delivered even though its version is lower; versions increase again
   * from there. Listener exceptions are logged and ignored.
   */
  public RegistryWatch watch(Consumer<RoutingTable> listener) {
    requireOpen();
    RegistryWatch w =
        new RegistryWatch(
            this, Objects.requireNonNull(listener, "listener"), initialBackoff, maxBackoff, clock);
    watches.add(w);
    if (closed) { // raced with close()
      w.close();
    } else {
      w.start();
    }
    return w;
  }

  /** Stops all watches; {@link #routes()} fails afterwards. Idempotent. */
  @Override
  public void close() {
    closed = true;
    new ArrayList<>(watches).forEach(RegistryWatch::close);
  }

  HttpClient http() {
    return http;
  }

  Duration waitTime() {
    return wait;
  }

  void forget(RegistryWatch w) {
    watches.remove(w);
  }

  /** The blocking query after {@code index}, telling the server which epoch the index is from. */
  HttpRequest blockingQuery(String epoch, long index) {
    URI uri =
        URI.create(
            routesUri
                + "?"
                + RegistryApi.INDEX_PARAM
                + "="
                + index
                + "&"
                + RegistryApi.WAIT_PARAM
                + "="
                + WaitParam.format(wait));
    // the server may add up to wait/16 of jitter; allow for it and for a slow network
    HttpRequest.Builder b = request(uri, wait.plus(wait.dividedBy(8)).plus(requestTimeout));
    if (epoch != null) {
      b.header(RegistryApi.EPOCH_HEADER, epoch);
    }
    return b.build();
  }

  RoutingTable accept(HttpResponse<byte[]> r) throws IOException {
    if (r.statusCode() != 200) {
      throw new RegistryHttpException(
          r.request().uri().toString(),
          r.statusCode(),
          new String(r.body(), StandardCharsets.UTF_8));
    }
    RoutingTable table;
    try {
      table = TableDecoder.SHARED.decode(r.body());
    } catch (IOException e) {
      throw new IOException("invalid routing table from " + r.request().uri() + ": " + e, e);
    }
    cached = table;
    return table;
  }

  private HttpRequest.Builder request(URI uri, Duration timeout) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri).GET().timeout(timeout).header("Accept", "application/json");
    if (apiKey != null) {
      b.header("Authorization", "Bearer " + apiKey);
    }
    return b;
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("registry client is closed");
    }
  }

  /**
   * The HTTP client of every {@link RegistryClient} given none: one selector thread and one
   * connection pool for all the watches of a process instead of one per client (made on first use).
   */
  private static final class SharedHttp {
    static final HttpClient CLIENT =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  /** Options of a {@link RegistryClient}. */
  public static final class Builder {
    private final URI baseUri;
    private String apiKey;
    private HttpClient httpClient;
    private Duration wait = WaitParam.DEFAULT;
    private Duration requestTimeout = Duration.ofSeconds(10);
    private Duration initialBackoff = Duration.ofMillis(250);
    private Duration maxBackoff = Duration.ofSeconds(30);
    private Clock clock = Clock.systemUTC();

    private Builder(URI baseUri) {
      this.baseUri = Objects.requireNonNull(baseUri, "baseUri");
      if (!"http".equals(baseUri.getScheme()) && !"https".equals(baseUri.getScheme())) {
        throw new IllegalArgumentException("registry URI must be http or https: " + baseUri);
      }
    }

    /** Sends {@code Authorization: Bearer <apiKey>}; null sends none. */
    public Builder apiKey(String apiKey) {
      this.apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey;
      return this;
    }

    /**
     * The HTTP client to use. Default: one HTTP/1.1 client (5 s connect timeout) shared by every
     * {@code RegistryClient} of the process that was given none, so that many watches in one
     * process share its selector thread and connection pool.
     */
    public Builder httpClient(HttpClient httpClient) {
      this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
      return this;
    }

    /** How long the server should hold a blocking query (default 30s, at most 5m). */
    public Builder wait(Duration wait) {
      if (wait.isNegative() || wait.isZero() || wait.compareTo(WaitParam.MAX) > 0) {
        throw new IllegalArgumentException(
            "wait must be in (0, " + WaitParam.MAX + "], was " + wait);
      }
      this.wait = wait;
      return this;
    }

    /** Timeout of a plain request, and the slack added to a blocking query's wait (default 10s). */
    public Builder requestTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("request timeout must be positive, was " + timeout);
      }
      this.requestTimeout = timeout;
      return this;
    }

    /** Reconnect backoff: first delay about {@code initial}, doubling up to {@code max}. */
    public Builder backoff(Duration initial, Duration max) {
      new Backoff(initial, max, () -> 0); // validates
      this.initialBackoff = initial;
      this.maxBackoff = max;
      return this;
    }

    /** Clock used to spot servers that answer blocking queries too early (default UTC system). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    public RegistryClient build() {
      return new RegistryClient(this);
    }
  }
}
