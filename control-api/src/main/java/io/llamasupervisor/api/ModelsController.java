package io.llamasupervisor.api;

import io.llamasupervisor.registry.RoutingJson;
import io.llamasupervisor.supervisor.supervise.Fleet;
import io.llamasupervisor.supervisor.supervise.ModelStatus;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.sse.Event;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import jakarta.inject.Named;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * Models and operator commands. Model ids contain {@code /}, so one catch-all route per method
 * takes the rest of the path and dispatches: a path that is a model id (or alias) is that model;
 * otherwise a trailing {@code /logs} (GET) or {@code /start}, {@code /stop}, {@code /restart}
 * (POST) applies to the model before it. Fleet calls block on the supervisor's state thread, so
 * these handlers run on the blocking executor, never on an event loop.
 */
@Controller("/api/v1")
@ExecuteOn(TaskExecutors.BLOCKING)
final class ModelsController {
  private static final Logger LOG = LoggerFactory.getLogger(ModelsController.class);

  static final int DEFAULT_LINES = 200;
  static final int MAX_LINES = 10_000;
  static final Duration FOLLOW_POLL = Duration.ofMillis(250);

  /** Lines fetched per poll when following: more than one poll's output, so polls overlap. */
  static final int FOLLOW_WINDOW = 1_000;

  private static final List<String> ACTIONS = List.of("start", "stop", "restart", "load", "unload");

  private final Fleet fleet;
  private final ExecutorService blocking;
  private final Duration heartbeat;
  private final AtomicBoolean rescanning = new AtomicBoolean();

  ModelsController(
      Fleet fleet,
      @Named(TaskExecutors.BLOCKING) ExecutorService blocking,
      @Value("${supervisor.api.sse-heartbeat:15s}") Duration heartbeat) {
    this.fleet = fleet;
    this.blocking = blocking;
    this.heartbeat = heartbeat;
  }

  /** Every model, in id order. */
  @Get(uri = "/models", produces = MediaType.APPLICATION_JSON)
  MutableHttpResponse<byte[]> list() {
    List<ModelView> views = fleet.models().stream().map(this::view).toList();
    return json(HttpStatus.OK, Map.of("models", views));
  }

  /** One model, or its log lines with a trailing {@code /logs}. */
  @Get(
      uri = "/models/{+path}",
      produces = {MediaType.APPLICATION_JSON, MediaType.TEXT_EVENT_STREAM})
  MutableHttpResponse<?> get(
      @PathVariable("path") String path,
      @Nullable @QueryValue("lines") String lines,
      @Nullable @QueryValue("follow") String follow) {
    Optional<ModelStatus> exact = fleet.model(path);
    if (exact.isPresent()) {
      return json(HttpStatus.OK, view(exact.get()));
    }
    int slash = path.lastIndexOf('/');
    String last = slash < 0 ? "" : path.substring(slash + 1);
    String id = slash < 0 ? path : path.substring(0, slash);
    if (last.equals("logs")) {
      ModelStatus m = fleet.model(id).orElseThrow(() -> ApiException.modelNotFound(id));
      int n = parseLines(lines);
      return parseFollow(follow) ? follow(m.id(), n) : logs(m.id(), n);
    }
    if (ACTIONS.contains(last) && fleet.model(id).isPresent()) {
      throw notAllowed(last + " is a POST: POST /api/v1/models/" + path);
    }
    throw ApiException.modelNotFound(path);
  }

  /** {@code start}, {@code stop} or {@code restart} of one model: 202 with what will happen. */
  @Post(
      uri = "/models/{+path}",
      consumes = {
        MediaType.APPLICATION_JSON,
        MediaType.APPLICATION_FORM_URLENCODED,
        MediaType.TEXT_PLAIN
      },
      produces = MediaType.APPLICATION_JSON)
  MutableHttpResponse<byte[]> command(@PathVariable("path") String path) {
    int slash = path.lastIndexOf('/');
    String action = slash < 0 ? "" : path.substring(slash + 1);
    String id = slash < 0 ? path : path.substring(0, slash);
    if (!ACTIONS.contains(action) || fleet.model(id).isEmpty()) {
      if (fleet.model(path).isPresent()) {
        throw notAllowed(
            "POST a command to /api/v1/models/"
                + path
                + "/start, /stop, /restart, /load or /unload");
      }
      if (!ACTIONS.contains(action)) {
        throw new ApiException(
            HttpStatus.NOT_FOUND,
            "not_found",
            "no such command: POST /api/v1/models/<id>/start, /stop, /restart, /load or /unload");
      }
      throw ApiException.modelNotFound(id);
    }
    ModelStatus before = fleet.model(id).orElseThrow(() -> ApiException.modelNotFound(id));
    Fleet.CommandResult result =
        switch (action) {
          case "start" -> fleet.operatorStart(before.id());
          case "stop" -> fleet.operatorStop(before.id());
          case "load" -> fleet.load(before.id());
          case "unload" -> fleet.unload(before.id());
          default -> fleet.operatorRestart(before.id());
        };
    switch (result) {
      case NOT_FOUND -> throw ApiException.modelNotFound(id);
      case REJECTED_MODEL ->
          throw new ApiException(
              HttpStatus.CONFLICT,
              "model_rejected",
              "model "
                  + before.id()
                  + (before.entry() != null && before.entry().accepted()
                      ? " cannot run: "
                          + (before.lastDecision() == null
                              ? "rejected"
                              : before.lastDecision().code()
                                  + ": "
                                  + before.lastDecision().message())
                      : " was rejected by verification and cannot run"
                          + (before.entry() == null
                              ? ""
                              : ": " + before.entry().reason() + ": " + before.entry().message())));
      case STOPPED ->
          throw new ApiException(
              HttpStatus.CONFLICT,
              "model_stopped",
              "model "
                  + before.id()
                  + " is stopped (by an operator, after repeated failures, or without a"
                  + " llama-server binary): POST /api/v1/models/"
                  + before.id()
                  + "/start");
      default -> {
        LOG.info("operator {} of model {}", action, before.id());
        return accepted(before.id(), action, CommandMessages.of(action, before));
      }
    }
  }

  /** Rescans the models directory in the background; 202 at once. */
  @Post(
      uri = "/rescan",
      consumes = {
        MediaType.APPLICATION_JSON,
        MediaType.APPLICATION_FORM_URLENCODED,
        MediaType.TEXT_PLAIN
      },
      produces = MediaType.APPLICATION_JSON)
  MutableHttpResponse<byte[]> rescan() {
    if (!rescanning.compareAndSet(false, true)) {
      return accepted(null, "rescan", "a rescan is already running");
    }
    blocking.execute(
        () -> {
          try {
            fleet.rescan();
          } catch (RuntimeException e) {
            LOG.warn("rescan failed", e);
          } finally {
            rescanning.set(false);
          }
        });
    return accepted(
        null,
        "rescan",
        "rescanning the models directory; new, changed and removed models show in /api/v1/models");
  }

  private ModelView view(ModelStatus m) {
    return ModelView.of(m, LoadProgress.of(fleet, m, java.time.Instant.now()).orElse(null));
  }

  private MutableHttpResponse<byte[]> logs(String id, int n) {
    List<String> lines = fleet.logs(id, n).orElseThrow(() -> ApiException.modelNotFound(id));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", id);
    body.put("lines", lines);
    return json(HttpStatus.OK, body);
  }

  /**
   * Server-Sent Events: the last {@code n} lines, then new lines as they come (one event each,
   * polled every {@link #FOLLOW_POLL}), with {@code event: ping} keep-alives. Ends when the model
   * is gone or the client disconnects.
   */
  private MutableHttpResponse<Flux<Event<String>>> follow(String id, int n) {
    int window = Math.max(n, FOLLOW_WINDOW);
    LogTail tail = new LogTail();
    Flux<Event<String>> events =
        Flux.interval(Duration.ZERO, FOLLOW_POLL, Schedulers.boundedElastic())
            .onBackpressureDrop()
            .map(tick -> fleet.logs(id, window))
            .takeWhile(Optional::isPresent)
            .index()
            .concatMapIterable(
                t -> {
                  List<String> fresh = tail.next(t.getT2().get());
                  // the first snapshot is the whole window: show its last n lines
                  return t.getT1() == 0 ? last(fresh, n) : fresh;
                })
            .map(line -> Event.of(line.replace("\r", "")));
    return HttpResponse.ok(Heartbeat.around(events, heartbeat))
        .contentType(MediaType.TEXT_EVENT_STREAM_TYPE);
  }

  private static List<String> last(List<String> lines, int n) {
    return lines.subList(Math.max(0, lines.size() - n), lines.size());
  }

  static int parseLines(String text) {
    if (text == null) {
      return DEFAULT_LINES;
    }
    try {
      int n = Integer.parseInt(text.strip());
      if (n >= 1 && n <= MAX_LINES) {
        return n;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw ApiException.badRequest(
        "invalid lines '" + text + "': expected an integer from 1 to " + MAX_LINES);
  }

  static boolean parseFollow(String text) {
    if (text == null || text.equalsIgnoreCase("false")) {
      return false;
    }
    if (text.isEmpty() || text.equalsIgnoreCase("true")) {
      return true;
    }
    throw ApiException.badRequest("invalid follow '" + text + "': expected true or false");
  }

  private static ApiException notAllowed(String message) {
    return new ApiException(HttpStatus.METHOD_NOT_ALLOWED, "method_not_allowed", message);
  }

  private static MutableHttpResponse<byte[]> accepted(String model, String action, String msg) {
    Map<String, Object> body = new LinkedHashMap<>();
    if (model != null) {
      body.put("model", model);
    }
    body.put("action", action);
    body.put("message", msg);
    return json(HttpStatus.ACCEPTED, body);
  }

  static MutableHttpResponse<byte[]> json(HttpStatus status, Object body) {
    return HttpResponse.<byte[]>status(status)
        .contentType(MediaType.APPLICATION_JSON_TYPE)
        .header(HttpHeaders.CACHE_CONTROL, "no-store")
        .body(RoutingJson.toBytes(body));
  }
}
