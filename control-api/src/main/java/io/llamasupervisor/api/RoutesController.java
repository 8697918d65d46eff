package io.llamasupervisor.api;

import io.llamasupervisor.registry.RegistryApi;
import io.llamasupervisor.registry.RouteSource;
import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.registry.RoutingTable;
import io.llamasupervisor.registry.WaitParam;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.server.netty.NettyHttpRequest;
import io.micronaut.http.sse.Event;
import io.netty.channel.ChannelFuture;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * The routing table: {@code GET /api/v1/routes} (with {@code ETag}, {@code If-None-Match} and
 * blocking queries, see {@link RegistryApi}), its Server-Sent-Events stream, and its LiteLLM
 * export. Nothing here blocks an event-loop thread: plain reads answer from {@link RouteCache},
 * blocking queries complete when the registry's future does.
 *
 * <p>{@code ?scope=local} (the default) is this node's table; {@code ?scope=cluster} the table
 * merged from every node of the cluster ({@link ClusterScope}), whose version is an etcd revision,
 * with the same ETag, blocking-query and stream contract, plus {@code X-Registry-Stale: true|false}
 * on every answer.
 */
@Controller
final class RoutesController {
  static final String YAML = "application/yaml";

  /** Query parameter choosing the table: {@code local} (default) or {@code cluster}. */
  static final String SCOPE_PARAM = "scope";

  /** Response header of {@code scope=cluster} answers: whether that table may be out of date. */
  static final String STALE_HEADER = "X-Registry-Stale";

  private final Scope local;
  private final Scope cluster;
  private final ClusterScope clusterScope;
  private final Duration heartbeat;

  RoutesController(
      RoutingRegistry registry,
      @Nullable ClusterScope clusterScope,
      @Value("${supervisor.api.sse-heartbeat:15s}") Duration heartbeat) {
    this.clusterScope = clusterScope == null ? ClusterScope.NONE : clusterScope;
    this.local = new Scope(registry, false);
    this.cluster = this.clusterScope.routes().map(r -> new Scope(r, true)).orElse(null);
    this.heartbeat = heartbeat;
  }

  /** One table the API serves, with its own cache of encodings. */
  private static final class Scope {
    final RouteSource source;
    final boolean isCluster;
    final RouteCache cache = new RouteCache();

    Scope(RouteSource source, boolean isCluster) {
      this.source = source;
      this.isCluster = isCluster;
    }
  }

  private Scope scope(String text) {
    if (text == null || text.equalsIgnoreCase("local")) {
      return local;
    }
    if (!text.equalsIgnoreCase("cluster")) {
      throw ApiException.badRequest(
          "invalid scope '" + text + "': expected local (this node) or cluster (every node)");
    }
    if (cluster == null) {
      throw new ApiException(
          HttpStatus.NOT_FOUND,
          "cluster_not_configured",
          "this supervisor is not part of a cluster: start serve with --cluster"
              + " etcd://host:2379 for scope=cluster");
    }
    return cluster;
  }

  private <T> MutableHttpResponse<T> stale(Scope s, MutableHttpResponse<T> r) {
    return s.isCluster ? r.header(STALE_HEADER, Boolean.toString(clusterScope.stale())) : r;
  }

  /**
   * The table. With {@code index}, a blocking query: answered when the version differs from {@code
   * index}, or after {@code wait} (default 30s, at most 5m) with the same version; a request header
   * {@code X-Registry-Epoch} naming another run answers at once.
   */
  @Get(uri = RegistryApi.ROUTES_PATH, produces = MediaType.APPLICATION_JSON)
  CompletableFuture<MutableHttpResponse<byte[]>> routes(
      HttpRequest<?> request,
      @Nullable @QueryValue(RegistryApi.INDEX_PARAM) String index,
      @Nullable @QueryValue(RegistryApi.WAIT_PARAM) String wait,
      @Nullable @Header(HttpHeaders.IF_NONE_MATCH) String ifNoneMatch,
      @Nullable @Header(RegistryApi.EPOCH_HEADER) String epoch,
      @Nullable @QueryValue(SCOPE_PARAM) String scope) {
    Scope s = scope(scope);
    RouteCache cache = s.cache;
    Duration waitFor = parseWait(wait);
    if (index == null) {
      RoutingTable table = s.source.current();
      if (RegistryApi.notModified(ifNoneMatch, table)) {
        return CompletableFuture.completedFuture(
            stale(s, headers(HttpResponse.notModified(), cache.of(table))));
      }
      return CompletableFuture.completedFuture(stale(s, table(cache.of(table))));
    }
    long after = parseIndex(index);
    CompletableFuture<RoutingTable> change = s.source.awaitChange(epoch, after, waitFor);
    cancelOnDisconnect(request, change);
    // answered normally even when cancelled (the client is gone and reads nothing), so that
    // Micronaut does not log a dropped poll as an error
    CompletableFuture<MutableHttpResponse<byte[]>> response = new CompletableFuture<>();
    change.whenComplete(
        (t, e) ->
            response.complete(
                t != null
                    ? stale(s, table(cache.of(t)))
                    : ApiErrors.response(
                        HttpStatus.SERVICE_UNAVAILABLE, "cancelled", "blocking query dropped")));
    return response;
  }

  /**
   * Cancels {@code pending} when the client's connection closes first, which drops the registry's
   * waiter at once instead of when its wait ends (Micronaut does not cancel a pending result when
   * the client goes away).
   */
  static void cancelOnDisconnect(HttpRequest<?> request, CompletableFuture<?> pending) {
    if (pending.isDone() || !(request instanceof NettyHttpRequest<?> netty)) {
      return;
    }
    ChannelFuture closed = netty.getChannelHandlerContext().channel().closeFuture();
    GenericFutureListener<Future<? super Void>> cancel = f -> pending.cancel(false);
    closed.addListener(cancel);
    pending.whenComplete((t, e) -> closed.removeListener(cancel));
  }

  /**
   * Server-Sent Events: the full table on connect and after every change, {@code id:} its version.
   * A reconnect whose {@code Last-Event-ID} is the current version (and whose {@code
   * X-Registry-Epoch}, if sent, is this run's) is not sent the table again. A slow reader skips
   * intermediate versions; it always ends on the newest. {@code event: ping} events keep the
   * connection alive ({@link Heartbeat}).
   */
  @Get(uri = RegistryApi.ROUTES_PATH + "/stream", produces = MediaType.TEXT_EVENT_STREAM)
  Publisher<Event<String>> stream(
      @Nullable @Header("Last-Event-ID") String lastEventId,
      @Nullable @Header(RegistryApi.EPOCH_HEADER) String epoch,
      @Nullable @QueryValue(SCOPE_PARAM) String scope) {
    Scope s = scope(scope);
    RouteCache cache = s.cache;
    long seen = parseLastEventId(lastEventId);
    boolean sameEpoch = epoch == null || epoch.equals(s.source.epoch());
    Flux<Event<String>> tables =
        Flux.create(
            (FluxSink<Event<String>> sink) -> {
              var subscription =
                  s.source.subscribe(
                      t -> {
                        if (sameEpoch && t.version() == seen) {
                          return; // the client already has it
                        }
                        RouteCache.Entry e = cache.of(t);
                        sink.next(Event.of(e.sseData).id(Long.toString(t.version())));
                      });
              sink.onDispose(subscription::close);
            },
            FluxSink.OverflowStrategy.LATEST);
    return Heartbeat.around(tables, heartbeat);
  }

  /**
   * The table as a LiteLLM proxy {@code model_list}: JSON, or YAML with {@code ?format=yaml} or
   * {@code Accept: application/yaml}.
   */
  @Get(
      uri = "/api/v1/litellm",
      produces = {MediaType.APPLICATION_JSON, YAML, MediaType.APPLICATION_YAML})
  MutableHttpResponse<byte[]> liteLlm(
      @Nullable @QueryValue("format") String format,
      @Nullable @Header(HttpHeaders.ACCEPT) String accept,
      @Nullable @QueryValue(SCOPE_PARAM) String scope) {
    Scope s = scope(scope);
    boolean yaml;
    if (format != null) {
      yaml =
          switch (format.toLowerCase(Locale.ROOT)) {
            case "yaml", "yml" -> true;
            case "json" -> false;
            default ->
                throw ApiException.badRequest(
                    "invalid format '" + format + "': expected json or yaml");
          };
    } else {
      yaml = accept != null && accept.contains("yaml") && !accept.contains("json");
    }
    RouteCache.Entry e = s.cache.of(s.source.current());
    MutableHttpResponse<byte[]> r =
        yaml
            ? HttpResponse.ok(e.liteLlmYaml()).contentType(YAML)
            : HttpResponse.ok(e.liteLlmJson()).contentType(MediaType.APPLICATION_JSON_TYPE);
    // no ETag: the JSON and YAML forms of one version are different representations
    return stale(s, r.header(RegistryApi.EPOCH_HEADER, e.table.epoch()));
  }

  private static MutableHttpResponse<byte[]> table(RouteCache.Entry e) {
    return headers(HttpResponse.ok(e.json).contentType(MediaType.APPLICATION_JSON_TYPE), e);
  }

  private static <T> MutableHttpResponse<T> headers(MutableHttpResponse<T> r, RouteCache.Entry e) {
    return r.header(HttpHeaders.ETAG, e.etag).header(RegistryApi.EPOCH_HEADER, e.table.epoch());
  }

  private static long parseIndex(String text) {
    try {
      return RegistryApi.parseIndex(text);
    } catch (IllegalArgumentException ex) {
      throw ApiException.badRequest(ex.getMessage());
    }
  }

  private static Duration parseWait(String text) {
    try {
      return WaitParam.parseOrDefault(text);
    } catch (IllegalArgumentException ex) {
      throw ApiException.badRequest(ex.getMessage());
    }
  }

  /** The version a reconnecting client saw, or -1 when it sent none (or something else). */
  static long parseLastEventId(String text) {
    if (text == null) {
      return -1;
    }
    try {
      return Long.parseLong(text.strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
