package io.llamasupervisor.bench;

import java.io.PrintStream;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code bench swap --registry URL --model ID [options]}: runs {@link SwapBench} against a running
 * supervisor and prints its report (text, or one JSON object with {@code --json}); progress goes to
 * stderr. Exit code 0 when the run passed (no failure, no late request, every swap completed), 1
 * otherwise, also on usage errors and when the bench cannot start.
 */
public final class BenchCommand {
  static final String USAGE =
      "usage: llama-supervisor bench swap --registry URL --model ID [--clients 16] [--swaps 5]"
          + " [--stream] [--api-key K] [--interval 3s] [--json]";

  private static final String OPTIONS =
      String.join(
          "\n",
          "  --registry URL        the supervisor's API, e.g. http://127.0.0.1:8090",
          "  --model ID            model id (or alias) to load and restart",
          "  --clients N           concurrent clients, half keep-alive, half a new connection"
              + " per request (16)",
          "  --swaps N             restarts to trigger, one after the other (5)",
          "  --stream              send only SSE streams (default: streams and short completions)",
          "  --api-key K           API key of the supervisor's API",
          "  --backend-api-key K   API key of the llama-server backends",
          "  --interval D          pause before the first swap and after each (3s)",
          "  --drain-linger D      the supervisor's drain linger; requests later than this after"
              + " a switch fail the run (2s)",
          "  --stream-min D        shortest stream (2s)",
          "  --stream-max D        longest stream (10s)",
          "  --short-tokens N      tokens of a short completion (16)",
          "  --token-ms X          milliseconds per token (default: measured)",
          "  --request-timeout D   longest silence within a request (30s)",
          "  --swap-timeout D      longest wait for one swap (2m)",
          "  --ready-timeout D     longest wait for a READY backend at the start (1m)",
          "  --seed N              seed of the request mix (1)",
          "  --json                print the report as one JSON object");

  /** One line for the command list. */
  public String summary() {
    return "load tools: 'bench swap' checks that model restarts lose no request";
  }

  /**
   * Runs {@code bench ARGS}; returns the exit code (usage errors print to {@code err}, return 1).
   */
  public int run(List<String> args, PrintStream out, PrintStream err) {
    if (args.isEmpty()) {
      err.println("bench: no subcommand given");
      err.println(USAGE);
      return 1;
    }
    String sub = args.get(0);
    if (sub.equals("--help") || sub.equals("-h")) {
      out.println(USAGE);
      out.println(OPTIONS);
      return 0;
    }
    if (!sub.equals("swap")) {
      err.println("bench: unknown subcommand '" + sub + "'");
      err.println(USAGE);
      return 1;
    }
    Parsed parsed;
    try {
      parsed = parse(args.subList(1, args.size()));
    } catch (IllegalArgumentException e) {
      err.println("bench swap: " + e.getMessage());
      err.println(USAGE);
      return 1;
    }
    if (parsed == null) {
      out.println(USAGE);
      out.println(OPTIONS);
      return 0;
    }
    SwapBenchReport report;
    try {
      report =
          SwapBench.run(parsed.options, Clock.systemUTC(), line -> err.println("bench: " + line));
    } catch (BenchException e) {
      err.println("bench swap: " + e.getMessage());
      return 1;
    }
    if (parsed.json) {
      out.println(report.toJson());
    } else {
      out.print(report.toText());
    }
    return report.exitCode();
  }

  /** Options and output format of one invocation. */
  record Parsed(SwapBenchOptions options, boolean json) {}

  /**
   * Parses the options after {@code swap}; null when help was asked for.
   *
   * @throws IllegalArgumentException with a message for the user
   */
  static Parsed parse(List<String> args) {
    boolean json = false;
    Map<String, String> values = new LinkedHashMap<>();
    boolean stream = false;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      String name = a.startsWith("--") && a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
      String inline = name.equals(a) ? null : a.substring(a.indexOf('=') + 1);
      switch (name) {
        case "--help", "-h" -> {
          return null;
        }
        case "--json" -> json = true;
        case "--stream" -> stream = true;
        case "--registry",
            "--model",
            "--clients",
            "--swaps",
            "--api-key",
            "--backend-api-key",
            "--interval",
            "--drain-linger",
            "--stream-min",
            "--stream-max",
            "--short-tokens",
            "--token-ms",
            "--request-timeout",
            "--swap-timeout",
            "--ready-timeout",
            "--seed" -> {
          String v = inline;
          if (v == null) {
            if (i + 1 >= args.size()) {
              throw new IllegalArgumentException(name + " needs a value");
            }
            v = args.get(++i);
          }
          values.put(name, v);
        }
        default -> throw new IllegalArgumentException("unknown option '" + a + "'");
      }
    }
    String registry = values.get("--registry");
    String model = values.get("--model");
    if (registry == null) {
      throw new IllegalArgumentException("--registry is required");
    }
    if (model == null) {
      throw new IllegalArgumentException("--model is required");
    }
    URI uri;
    try {
      uri = URI.create(registry);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid --registry '" + registry + "'");
    }
    SwapBenchOptions.Builder b = SwapBenchOptions.builder(uri, model).streamOnly(stream);
    for (Map.Entry<String, String> e : values.entrySet()) {
      String v = e.getValue();
      switch (e.getKey()) {
        case "--clients" -> b.clients(integer(e.getKey(), v));
        case "--swaps" -> b.swaps(integer(e.getKey(), v));
        case "--api-key" -> b.apiKey(v);
        case "--backend-api-key" -> b.backendApiKey(v);
        case "--interval" -> b.interval(DurationArg.parse(v));
        case "--drain-linger" -> b.drainLinger(DurationArg.parse(v));
        case "--short-tokens" -> b.shortTokens(integer(e.getKey(), v));
        case "--token-ms" -> b.tokenPaceMs(decimal(e.getKey(), v));
        case "--request-timeout" -> b.requestTimeout(DurationArg.parse(v));
        case "--swap-timeout" -> b.swapTimeout(DurationArg.parse(v));
        case "--ready-timeout" -> b.readyTimeout(DurationArg.parse(v));
        case "--seed" -> b.seed(integer(e.getKey(), v));
        default -> {
          // --registry, --model and the stream bounds are taken apart
        }
      }
    }
    b.streams(
        duration(values, "--stream-min", SwapBenchOptions.DEFAULT_STREAM_MIN),
        duration(values, "--stream-max", SwapBenchOptions.DEFAULT_STREAM_MAX));
    return new Parsed(b.build(), json);
  }

  private static Duration duration(Map<String, String> values, String name, Duration dflt) {
    String v = values.get(name);
    return v == null ? dflt : DurationArg.parse(v);
  }

  private static int integer(String name, String v) {
    try {
      return Integer.parseInt(v.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " expects an integer, got '" + v + "'");
    }
  }

  private static double decimal(String name, String v) {
    try {
      return Double.parseDouble(v.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " expects a number, got '" + v + "'");
    }
  }
}
