package io.llamasupervisor.app.cli;

import io.llamasupervisor.bench.BenchException;
import io.llamasupervisor.bench.SwapBench;
import io.llamasupervisor.bench.SwapBenchOptions;
import io.llamasupervisor.bench.SwapBenchReport;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench swap --registry URL --model ID [options]}: runs {@link SwapBench} against a running
 * supervisor and prints its report (text, or one JSON object with {@code --json}); progress goes to
 * stderr. Exit code 0 when the run passed (no failure, no late request, every swap completed), 1
 * otherwise, also on usage errors and when the bench cannot start. Options left out keep the
 * defaults of {@link SwapBenchOptions#builder}.
 */
@Command(
    name = "swap",
    description = "Load test: N clients follow the routing table while the model is restarted.",
    footer = {"", "Exit code: 0 no failure, no late request, every swap completed; else 1."})
public final class BenchSwapCommand extends CliCommand {
  @Option(
      names = "--registry",
      required = true,
      paramLabel = "URL",
      description = "The supervisor's API, e.g. http://127.0.0.1:8090.")
  URI registry;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "ID",
      description = "Model id (or alias) to load and restart.")
  String model;

  @Option(
      names = "--clients",
      paramLabel = "N",
      description = "Concurrent clients, half keep-alive, half a new connection per request (16).")
  Integer clients;

  @Option(
      names = "--swaps",
      paramLabel = "N",
      description = "Restarts to trigger, one after the other (5).")
  Integer swaps;

  @Option(
      names = "--stream",
      description = "Send only SSE streams (default: streams and short completions).")
  boolean stream;

  @Option(names = "--api-key", paramLabel = "K", description = "API key of the supervisor's API.")
  String apiKey;

  @Option(
      names = "--backend-api-key",
      paramLabel = "K",
      description = "API key of the llama-server backends.")
  String backendApiKey;

  @Option(
      names = "--interval",
      paramLabel = "D",
      converter = DurationConverter.class,
      description = "Pause before the first swap and after each (3s).")
  Duration interval;

  @Option(
      names = "--drain-linger",
      paramLabel = "D",
      converter = DurationConverter.class,
      description =
          "The supervisor's drain linger; requests later than this after a switch fail the run"
              + " (2s).")
  Duration drainLinger;

  @Option(
      names = "--stream-min",
      paramLabel = "D",
      converter = DurationConverter.class,
      description = "Shortest stream (2s).")
  Duration streamMin;

  @Option(
      names = "--stream-max",
      paramLabel = "D",
      converter = DurationConverter.class,
      description = "Longest stream (10s).")
  Duration streamMax;

  @Option(
      names = "--short-tokens",
      paramLabel = "N",
      description = "Tokens of a short completion (16).")
  Integer shortTokens;

  @Option(
      names = "--token-ms",
      paramLabel = "X",
      description = "Milliseconds per token (default: measured).")
  Double tokenMs;

  @Option(
      names = "--request-timeout",
      paramLabel = "D",
      converter = DurationConverter.class,
      description = "Longest silence within a request (30s).")
  Duration requestTimeout;

  @Option(
      names = "--swap-timeout",
      paramLabel = "D",
      converter = DurationConverter.class,
      description = "Longest wait for one swap (2m).")
  Duration swapTimeout;

  @Option(
      names = "--ready-timeout",
      paramLabel = "D",
      converter = DurationConverter.class,
      description = "Longest wait for a READY backend at the start (1m).")
  Duration readyTimeout;

  @Option(names = "--seed", paramLabel = "N", description = "Seed of the request mix (1).")
  Long seed;

  @Option(names = "--json", description = "Print the report as one JSON object.")
  boolean json;

  @Override
  public Integer call() {
    SwapBenchOptions options;
    try {
      options = options();
    } catch (IllegalArgumentException e) {
      fail(e.getMessage());
      return 1;
    }
    SwapBenchReport report;
    try {
      report = SwapBench.run(options, Clock.systemUTC(), line -> err().println("bench: " + line));
    } catch (BenchException e) {
      fail(e.getMessage());
      return 1;
    }
    if (json) {
      out().println(report.toJson());
    } else {
      out().print(report.toText());
    }
    return report.exitCode();
  }

  /**
   * The options given, on top of the defaults.
   *
   * @throws IllegalArgumentException for values {@link SwapBenchOptions} refuses
   */
  SwapBenchOptions options() {
    SwapBenchOptions.Builder b = SwapBenchOptions.builder(registry, model).streamOnly(stream);
    if (clients != null) {
      b.clients(clients);
    }
    if (swaps != null) {
      b.swaps(swaps);
    }
    if (apiKey != null) {
      b.apiKey(apiKey);
    }
    if (backendApiKey != null) {
      b.backendApiKey(backendApiKey);
    }
    if (interval != null) {
      b.interval(interval);
    }
    if (drainLinger != null) {
      b.drainLinger(drainLinger);
    }
    if (shortTokens != null) {
      b.shortTokens(shortTokens);
    }
    if (tokenMs != null) {
      b.tokenPaceMs(tokenMs);
    }
    if (requestTimeout != null) {
      b.requestTimeout(requestTimeout);
    }
    if (swapTimeout != null) {
      b.swapTimeout(swapTimeout);
    }
    if (readyTimeout != null) {
      b.readyTimeout(readyTimeout);
    }
    if (seed != null) {
      b.seed(seed);
    }
    b.streams(
        streamMin == null ? SwapBenchOptions.DEFAULT_STREAM_MIN : streamMin,
        streamMax == null ? SwapBenchOptions.DEFAULT_STREAM_MAX : streamMax);
    return b.build();
  }
}
