package io.llamasupervisor.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasupervisor.json.JsonMappers;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The figures of one {@link SwapBench} run.
 *
 * <p><b>Late requests.</b> A generation is <i>switched</i> at the earliest moment any watcher of
 * the run saw it DRAINING or gone. For each request to a generation the report counts whether (1)
 * the client chose it although its own table already showed the switch — it routed to an instance
 * it knew was going away; (2) it was sent after the switch at all — informational: a client whose
 * watch lagged behind the others, or a table that arrived between choice and send; (3) it was sent
 * more than the drain linger after the switch — the supervisor may already have stopped the
 * instance. The run passes ({@link #exitCode()} 0) when there was no failure, (1) and (3) are 0 and
 * every swap completed.
 */
public final class SwapBenchReport {
  private static final ObjectMapper JSON = JsonMappers.mapper();
  private static final int SAMPLES = 10;

  /**
   * What a run knew besides its requests and swaps.
   *
   * @param startedAt when the clients started
   * @param endedAt when the last client stopped
   * @param tokenPaceMs milliseconds per token used to size streams
   * @param minStreamTokens tokens of the shortest stream
   * @param maxStreamTokens tokens of the longest stream
   * @param staleRetries requests retried on a new connection after a stale keep-alive one
   */
  public record RunInfo(
      Instant startedAt,
      Instant endedAt,
      double tokenPaceMs,
      int minStreamTokens,
      int maxStreamTokens,
      int staleRetries) {}

  private final SwapBenchOptions options;
  private final RunInfo run;
  private final List<SwapResult> swaps;
  private final long requests;
  private final long succeeded;
  private final long failedRequests;
  private final long noBackendGaps;
  private final long streams;
  private final long streamsComplete;
  private final long keepAliveRequests;
  private final Map<String, Long> failuresByKind;
  private final Map<Integer, Long> httpStatuses;
  private final long lateClientSawSwitch;
  private final long lateAfterSwitch;
  private final long lateAfterLinger;
  private final long inFlightAtSwitch;
  private final Map<Long, Long> requestsByGeneration;
  private final List<String> failureSamples;
  private final List<String> lateSamples;

  private SwapBenchReport(
      SwapBenchOptions options,
      RunInfo run,
      List<RequestRecord> records,
      List<SwapResult> swaps,
      Map<Long, Optional<Instant>> switches) {
    this.options = options;
    this.run = run;
    this.swaps = List.copyOf(swaps);
    List<RequestRecord> sorted = new ArrayList<>(records);
    sorted.sort(Comparator.comparing(RequestRecord::sentAt));
    long req = 0, ok = 0, failed = 0, gaps = 0, str = 0, strOk = 0, keep = 0;
    long sawSwitch = 0, afterSwitch = 0, afterLinger = 0, spanning = 0;
    Map<String, Long> byKind = new TreeMap<>();
    Map<Integer, Long> statuses = new TreeMap<>();
    Map<Long, Long> byGeneration = new TreeMap<>();
    List<String> failSamples = new ArrayList<>();
    List<String> lateList = new ArrayList<>();
    for (RequestRecord r : sorted) {
      Outcome o = r.outcome();
      if (!o.succeeded()) {
        byKind.merge(o.failure().key(), 1L, Long::sum);
        if (o.failure() == FailureKind.HTTP_STATUS) {
          statuses.merge(o.status(), 1L, Long::sum);
        }
        if (failSamples.size() < SAMPLES) {
          failSamples.add(describe(r));
        }
      }
      if (r.generation() < 0) {
        gaps++;
        continue;
      }
      req++;
      byGeneration.merge(r.generation(), 1L, Long::sum);
      if (o.succeeded()) {
        ok++;
      } else {
        failed++;
      }
      if (r.stream()) {
        str++;
        if (o.succeeded()) {
          strOk++;
        }
      }
      if (r.keepAlive()) {
        keep++;
      }
      boolean late = false;
      if (r.routedAfterClientSawSwitch()) {
        sawSwitch++;
        late = true;
      }
      Optional<Instant> switched = switches.getOrDefault(r.generation(), Optional.empty());
      if (switched.isPresent()) {
        Instant at = switched.get();
        if (r.sentAt().isAfter(at)) {
          afterSwitch++;
          if (r.sentAt().isAfter(at.plus(options.drainLinger()))) {
            afterLinger++;
            late = true;
          }
        } else if (r.endedAt().isAfter(at)) {
          spanning++;
        }
      }
      if (late && lateList.size() < SAMPLES) {
        lateList.add(describe(r) + lateness(r, switched.orElse(null)));
      }
    }
    this.requests = req;
    this.succeeded = ok;
    this.failedRequests = failed;
    this.noBackendGaps = gaps;
    this.streams = str;
    this.streamsComplete = strOk;
    this.keepAliveRequests = keep;
    this.failuresByKind = byKind;
    this.httpStatuses = statuses;
    this.lateClientSawSwitch = sawSwitch;
    this.lateAfterSwitch = afterSwitch;
    this.lateAfterLinger = afterLinger;
    this.inFlightAtSwitch = spanning;
    this.requestsByGeneration = byGeneration;
    this.failureSamples = List.copyOf(failSamples);
    this.lateSamples = List.copyOf(lateList);
  }

  /**
   * Accounts a run.
   *
   * @param switches per generation, when it was first seen DRAINING or gone by any watcher
   */
  public static SwapBenchReport of(
      SwapBenchOptions options,
      RunInfo run,
      List<RequestRecord> records,
      List<SwapResult> swaps,
      Map<Long, Optional<Instant>> switches) {
    return new SwapBenchReport(options, run, records, swaps, switches);
  }

  /** Requests sent to a backend. */
  public long requests() {
    return requests;
  }

  public long succeeded() {
    return succeeded;
  }

  /** Requests sent that failed. */
  public long failedRequests() {
    return failedRequests;
  }

  /** Failed requests plus gaps without any READY backend. */
  public long failures() {
    return failedRequests + noBackendGaps;
  }

  /** Failures by {@link FailureKind#key()}, gaps without a READY backend included. */
  public Map<String, Long> failuresByKind() {
    return failuresByKind;
  }

  /** Non-2xx answers by status. */
  public Map<Integer, Long> httpStatuses() {
    return httpStatuses;
  }

  /** Failures of {@code kind}. */
  public long failures(FailureKind kind) {
    return failuresByKind.getOrDefault(kind.key(), 0L);
  }

  public long streams() {
    return streams;
  }

  /** Streams that ended with {@code data: [DONE]}. */
  public long streamsComplete() {
    return streamsComplete;
  }

  /** Requests sent by clients that keep connections alive. */
  public long keepAliveRequests() {
    return keepAliveRequests;
  }

  /** Requests the client routed to a generation its own table already showed switched. */
  public long lateClientSawSwitch() {
    return lateClientSawSwitch;
  }

  /** Requests sent after the generation's switch was first seen by any watcher. */
  public long lateAfterSwitch() {
    return lateAfterSwitch;
  }

  /** Requests sent more than the drain linger after the generation's switch; must be 0. */
  public long lateAfterLinger() {
    return lateAfterLinger;
  }

  /** Requests sent before their generation's switch and still running at it. */
  public long inFlightAtSwitch() {
    return inFlightAtSwitch;
  }

  public Map<Long, Long> requestsByGeneration() {
    return requestsByGeneration;
  }

  public List<SwapResult> swaps() {
    return swaps;
  }

  public List<String> failureSamples() {
    return failureSamples;
  }

  public RunInfo run() {
    return run;
  }

  /** No failure, no late request, every requested swap completed. */
  public boolean passed() {
    return failures() == 0
        && lateClientSawSwitch == 0
        && lateAfterLinger == 0
        && swaps.size() == options.swaps()
        && swaps.stream().allMatch(SwapResult::completed);
  }

  /** 0 when {@link #passed()}, 1 otherwise. */
  public int exitCode() {
    return passed() ? 0 : 1;
  }

  /** The report as JSON-ready maps and lists, in a stable order. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", options.model());
    m.put("clients", options.clients());
    m.put("keepAliveClients", options.keepAliveClients());
    m.put("swapsRequested", options.swaps());
    m.put("streamOnly", options.streamOnly());
    m.put("startedAt", run.startedAt().toString());
    m.put("durationMs", Duration.between(run.startedAt(), run.endedAt()).toMillis());
    m.put("tokenPaceMs", Math.round(run.tokenPaceMs() * 1000) / 1000.0);
    Map<String, Object> tokens = new LinkedHashMap<>();
    tokens.put("min", run.minStreamTokens());
    tokens.put("max", run.maxStreamTokens());
    m.put("streamTokens", tokens);
    Map<String, Object> req = new LinkedHashMap<>();
    req.put("total", requests);
    req.put("succeeded", succeeded);
    req.put("failed", failedRequests);
    req.put("streams", streams);
    req.put("streamsComplete", streamsComplete);
    req.put("keepAlive", keepAliveRequests);
    req.put("newConnection", requests - keepAliveRequests);
    req.put("staleConnectionRetries", run.staleRetries());
    req.put("inFlightAtSwitch", inFlightAtSwitch);
    m.put("requests", req);
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("total", failures());
    f.put("byKind", failuresByKind);
    Map<String, Long> statuses = new LinkedHashMap<>();
    httpStatuses.forEach((k, v) -> statuses.put(String.valueOf(k), v));
    f.put("httpStatus", statuses);
    f.put("samples", failureSamples);
    m.put("failures", f);
    Map<String, Object> late = new LinkedHashMap<>();
    late.put("clientSawSwitch", lateClientSawSwitch);
    late.put("afterSwitch", lateAfterSwitch);
    late.put("afterSwitchPlusLinger", lateAfterLinger);
    late.put("drainLingerMs", options.drainLinger().toMillis());
    late.put("samples", lateSamples);
    m.put("late", late);
    List<Map<String, Object>> sw = new ArrayList<>();
    for (SwapResult s : swaps) {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("number", s.number());
      one.put("fromGenerations", s.fromGenerations());
      one.put("toGeneration", s.toGeneration() < 0 ? null : s.toGeneration());
      one.put("acceptedAt", s.acceptedAt().toString());
      one.put("readyMs", s.toReady() == null ? null : s.toReady().toMillis());
      one.put("oldGoneMs", s.toOldGone() == null ? null : s.toOldGone().toMillis());
      one.put("completed", s.completed());
      one.put("error", s.error());
      sw.add(one);
    }
    m.put("swaps", sw);
    Map<String, Long> gens = new LinkedHashMap<>();
    requestsByGeneration.forEach((k, v) -> gens.put(String.valueOf(k), v));
    m.put("requestsByGeneration", gens);
    m.put("passed", passed());
    return m;
  }

  /** {@link #toMap()} as one line of JSON. */
  public String toJson() {
    try {
      return JSON.writeValueAsString(toMap());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A human summary, several lines. */
  public String toText() {
    StringBuilder sb = new StringBuilder();
    line(
        sb,
        "bench swap: model %s, %d clients (%d keep-alive, %d new connection per request), %s",
        options.model(),
        options.clients(),
        options.keepAliveClients(),
        options.clients() - options.keepAliveClients(),
        options.streamOnly() ? "streams only" : "streams and short completions");
    line(
        sb,
        "duration %s, token pace %.2f ms, streams of %d-%d tokens",
        seconds(Duration.between(run.startedAt(), run.endedAt())),
        run.tokenPaceMs(),
        run.minStreamTokens(),
        run.maxStreamTokens());
    line(
        sb,
        "requests: %d sent, %d succeeded, %d failed; streams %d, complete %d; %d in flight at a"
            + " switch",
        requests,
        succeeded,
        failedRequests,
        streams,
        streamsComplete,
        inFlightAtSwitch);
    if (failures() == 0) {
      line(sb, "failures: none");
    } else {
      StringBuilder kinds = new StringBuilder();
      failuresByKind.forEach(
          (k, v) -> kinds.append(kinds.length() == 0 ? "" : ", ").append(k).append(' ').append(v));
      if (!httpStatuses.isEmpty()) {
        kinds.append(" (status");
        httpStatuses.forEach((k, v) -> kinds.append(' ').append(k).append(" x").append(v));
        kinds.append(')');
      }
      line(sb, "failures: %d: %s", failures(), kinds);
      failureSamples.forEach(s -> line(sb, "  %s", s));
    }
    line(sb, "late requests (sent to a generation after its switch to DRAINING):");
    line(sb, "  routed by a client whose table already showed the switch: %d", lateClientSawSwitch);
    line(
        sb, "  after the switch was first seen by any client: %d (informational)", lateAfterSwitch);
    line(
        sb,
        "  after the switch + drain linger (%s): %d",
        seconds(options.drainLinger()),
        lateAfterLinger);
    lateSamples.forEach(s -> line(sb, "  %s", s));
    line(sb, "swaps (%d of %d):", swaps.size(), options.swaps());
    for (SwapResult s : swaps) {
      String to = s.toGeneration() < 0 ? "?" : String.valueOf(s.toGeneration());
      if (s.completed()) {
        line(
            sb,
            "  #%d generation %s -> %s: READY after %s, old gone after %s",
            s.number(),
            s.fromGenerations(),
            to,
            seconds(s.toReady()),
            seconds(s.toOldGone()));
      } else {
        line(
            sb,
            "  #%d generation %s -> %s: FAILED: %s",
            s.number(),
            s.fromGenerations(),
            to,
            s.error());
      }
    }
    line(sb, "result: %s (exit %d)", passed() ? "PASS" : "FAIL", exitCode());
    return sb.toString();
  }

  private static void line(StringBuilder sb, String format, Object... args) {
    sb.append(String.format(Locale.ROOT, format, args)).append('\n');
  }

  private static String seconds(Duration d) {
    return d == null ? "?" : String.format(Locale.ROOT, "%.2f s", d.toMillis() / 1000.0);
  }

  private static String describe(RequestRecord r) {
    String where = r.generation() < 0 ? "no backend" : "generation " + r.generation();
    return String.format(
        Locale.ROOT,
        "client %d, %s, %s at %s: %s %s",
        r.client(),
        r.stream() ? "stream" : "completion",
        where,
        r.sentAt(),
        r.outcome().label(),
        r.outcome().detail());
  }

  private static String lateness(RequestRecord r, Instant switched) {
    return switched == null
        ? ""
        : String.format(
            Locale.ROOT,
            " (sent %d ms after the switch)",
            Duration.between(switched, r.sentAt()).toMillis());
  }
}
