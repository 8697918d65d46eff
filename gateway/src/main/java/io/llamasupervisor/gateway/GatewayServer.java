package io.llamasupervisor.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasupervisor.cache.ResponseCache;
import io.llamasupervisor.gateway.conversation.ConversationMetrics;
import io.llamasupervisor.gateway.conversation.ConversationSettings;
import io.llamasupervisor.gateway.conversation.ConversationStore;
import io.llamasupervisor.gateway.conversation.Conversations;
import io.llamasupervisor.gateway.conversation.MemoryConversationStore;
import io.llamasupervisor.registry.DelayScheduler;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's HTTP/1.1 listener: {@link #start()} binds and follows the routing tables of its
 * {@link RouteSource}, {@link #close()} stops listening, closes every connection and the feed.
 * Epoll when available, {@link GatewayOptions#defaultIoThreads} event loops (or {@code ioThreads});
 * no thread per request.
 *
 * <p>Netty's buffer leak detector is turned off for the whole process unless the system property
 * {@code io.netty.leakDetection.level} sets a level: at its default level it records a stack trace
 * for one buffer in 128, which cost the data path more CPU than the proxying itself.
 *
 * <pre>{@code
 * try (GatewayServer gw = new GatewayServer(GatewayOptions.builder().port(0).build(),
 *     registry::subscribe, ModelDirectory.NONE, ModelStarter.NONE, new SimpleMeterRegistry())) {
 *   gw.start();
 *   int port = gw.port();
 * }
 * }</pre>
 */
public final class GatewayServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayServer.class);

  static {
    if (System.getProperty("io.netty.leakDetection.level") == null
        && System.getProperty("io.netty.leakDetectionLevel") == null) {
      ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
    }
  }

  private final GatewayOptions options;
  private final RouteSource routes;
  private final Transport transport = Transport.best();
  private final EventLoopGroup group;
  private final Dispatcher dispatcher;
  private final Shared shared;
  private final ExecutorService cacheLookups;
  private final ExecutorService conversationWork;
  private final ConversationStore ownStore;
  private Channel listener;
  private AutoCloseable feed;

  /**
   * @param options where to listen and how to queue
   * @param routes the routing tables to follow
   * @param directory every model, also those not running ({@link ModelDirectory#NONE}: only the
   *     table's)
   * @param starter asked to start on-demand and idle models ({@link ModelStarter#NONE}: never)
   * @param meters where the {@code llama_gateway_*} meters are registered
   * @throws IllegalArgumentException when the host is not a loopback address and there are no keys
   */
  public GatewayServer(
      GatewayOptions options,
      RouteSource routes,
      ModelDirectory directory,
      ModelStarter starter,
      MeterRegistry meters) {
    this(options, routes, directory, starter, meters, null);
  }

  /**
   * A gateway that answers from {@code cache} when it can ({@code null}: no cache). The gateway
   * does not close the cache.
   *
   * @see #GatewayServer(GatewayOptions, RouteSource, ModelDirectory, ModelStarter, MeterRegistry)
   */
  public GatewayServer(
      GatewayOptions options,
      RouteSource routes,
      ModelDirectory directory,
      ModelStarter starter,
      MeterRegistry meters,
      ResponseCache cache) {
    this(options, routes, directory, starter, meters, cache, null, true);
  }

  /**
   * A gateway that keeps {@code /v1/responses} conversations in {@code conversations} ({@code
   * null}: none; {@code /v1/responses} is then passed through as is). The gateway does not close
   * the store. The other constructors keep them in memory with {@link
   * ConversationSettings#defaults()}.
   *
   * @see #GatewayServer(GatewayOptions, RouteSource, ModelDirectory, ModelStarter, MeterRegistry,
   *     ResponseCache)
   */
  public GatewayServer(
      GatewayOptions options,
      RouteSource routes,
      ModelDirectory directory,
      ModelStarter starter,
      MeterRegistry meters,
      ResponseCache cache,
      ConversationStore conversations) {
    this(options, routes, directory, starter, meters, cache, conversations, false);
  }

  private GatewayServer(
      GatewayOptions options,
      RouteSource routes,
      ModelDirectory directory,
      ModelStarter starter,
      MeterRegistry meters,
      ResponseCache cache,
      ConversationStore given,
      boolean defaultStore) {
    this.options = options;
    this.routes = routes;
    checkBinding(options);
    int threads =
        options.ioThreads() > 0
            ? options.ioThreads()
            : GatewayOptions.defaultIoThreads(Runtime.getRuntime().availableProcessors());
    this.group = transport.group(threads, "gateway");
    DelayScheduler scheduler =
        (delay, task) -> {
          ScheduledFuture<?> f =
              group.next().schedule(safely(task), delay.toNanos(), TimeUnit.NANOSECONDS);
          return () -> f.cancel(false);
        };
    GatewayMetrics metrics = new GatewayMetrics(meters);
    this.cacheLookups = cache == null ? null : daemonPool("gateway-cache-lookup");
    this.dispatcher =
        new Dispatcher(
            options,
            directory,
            starter,
            Clock.systemUTC(),
            scheduler,
            ThreadLocalRandom.current(),
            metrics);
    ConversationSettings defaults = ConversationSettings.defaults();
    this.ownStore =
        defaultStore ? new MemoryConversationStore(defaults.maxBytes(), defaults.ttl()) : null;
    ConversationStore store = defaultStore ? ownStore : given;
    this.conversationWork = store == null ? null : daemonPool("gateway-conversations");
    Conversations conversations =
        store == null
            ? null
            : new Conversations(
                store,
                new ConversationMetrics(meters, store),
                ThreadLocalRandom.current(),
                conversationWork);
    this.shared =
        new Shared(
            options,
            dispatcher,
            new KeyPolicy(options.keys()),
            new UpstreamPool(transport),
            metrics,
            new ObjectMapper(),
            cache,
            cacheLookups,
            conversations,
            new AtomicReference<>());
  }

  /**
   * Serves {@code GET /metrics} with the Prometheus text {@code scrape} renders (a key is needed
   * when keys are configured). For a gateway that runs alone; in {@code serve} the gateway's meters
   * join the API's {@code /metrics} instead.
   */
  public GatewayServer serveMetrics(Supplier<String> scrape) {
    shared.metricsPage().set(scrape);
    return this;
  }

  /**
   * Binds the listener and subscribes to the routing tables.
   *
   * @throws UncheckedIOException when the address cannot be bound
   */
  public synchronized GatewayServer start() {
    if (listener != null) {
      return this;
    }
    feed = routes.subscribe(dispatcher::onTable);
    ServerBootstrap b =
        new ServerBootstrap()
            .group(group)
            .channel(transport.serverChannel())
            .option(ChannelOption.SO_BACKLOG, 1024)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast(
                            new HttpRequestDecoder(
                                new HttpDecoderConfig()
                                    .setMaxInitialLineLength(GatewayError.MAX_REQUEST_LINE)
                                    .setMaxHeaderSize(GatewayError.MAX_HEADER_BYTES)
                                    .setMaxChunkSize(1 << 20)))
                        // relayed responses are written past the encoder (ClientHandler.rawOut)
                        .addLast(new HttpResponseEncoder())
                        .addLast(new ClientHandler(shared));
                  }
                });
    try {
      listener =
          b.bind(new InetSocketAddress(options.host(), options.port()))
              .syncUninterruptibly()
              .channel();
    } catch (Exception e) {
      closeFeed();
      throw new UncheckedIOException(
          new IOException(
              "gateway cannot listen on "
                  + options.host()
                  + ":"
                  + options.port()
                  + ": "
                  + e.getMessage(),
              e));
    }
    LOG.info(
        "Gateway listening on http://{}:{} ({}, {} keys)",
        options.host(),
        port(),
        transport.name(),
        options.keys().size());
    return this;
  }

  /** The bound port (the real one when the options said 0); -1 before {@link #start()}. */
  public synchronized int port() {
    return listener == null ? -1 : ((InetSocketAddress) listener.localAddress()).getPort();
  }

  /** Live counts for the supervisor's drain and idle stop. */
  public GatewayTraffic traffic() {
    return dispatcher.traffic();
  }

  /** The decisions core (for status pages and tests). */
  public Dispatcher dispatcher() {
    return dispatcher;
  }

  /** Stops listening, closes every connection and the routing feed; idempotent. */
  @Override
  public synchronized void close() {
    closeFeed();
    if (listener != null) {
      listener.close().syncUninterruptibly();
    }
    shared.pool().closeAll();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    if (cacheLookups != null) {
      cacheLookups.shutdownNow();
    }
    if (conversationWork != null) {
      conversationWork.shutdown();
    }
    if (ownStore != null) {
      ownStore.close();
    }
  }

  /** Two daemon threads with a bounded queue (full: the request gets 503). */
  private static ExecutorService daemonPool(String name) {
    return new ThreadPoolExecutor(
        2,
        2,
        0,
        TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(1024),
        r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          return t;
        });
  }

  private void closeFeed() {
    if (feed != null) {
      try {
        feed.close();
      } catch (Exception e) {
        LOG.warn("Closing the routing feed failed: {}", e.toString());
      }
      feed = null;
    }
  }

  private static Runnable safely(Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (RuntimeException e) {
        LOG.error("Gateway timer task failed", e);
      }
    };
  }

  /**
   * Refuses a listener that would be open to the network: without keys the host must be a loopback
   * address, unless the options say {@code insecure} (then it is logged as a warning).
   *
   * @throws IllegalArgumentException naming the host and what to do
   */
  public static void checkBinding(GatewayOptions options) {
    if (!options.keys().isEmpty()) {
      return;
    }
    boolean loopback;
    try {
      loopback = InetAddress.getByName(options.host()).isLoopbackAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("gateway host '" + options.host() + "' is unknown", e);
    }
    if (loopback) {
      return;
    }
    if (!options.insecure()) {
      throw new IllegalArgumentException(
          "gateway host "
              + options.host()
              + " is not a loopback address and no API keys are configured: add keys"
              + " (supervisor.api.keys), listen on 127.0.0.1, or pass --insecure");
    }
    LOG.warn(
        "--insecure: the gateway listens on {} without API keys; anyone who can reach it can use"
            + " every model",
        options.host());
  }
}
