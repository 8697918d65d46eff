package io.llamasupervisor.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * llama-server's command line, as b10470 parses it: environment variables named in the help text
 * ({@code LLAMA_ARG_*}) first, then the arguments, which win with a warning. An unknown flag, a
 * missing value or a bad value ends the process with exit code 1 and the real error text; {@code
 * -h} prints the help on stdout, {@code --version} prints the build on stderr (both exit 0).
 */
final class ArgParser {
  static final Set<String> CACHE_TYPES =
      Set.of("f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "iq4_nl", "q5_0", "q5_1");
  private static final Pattern ENV = Pattern.compile("\\(env: ([A-Z0-9_]+)\\)");

  /** What the parser decided. */
  sealed interface Outcome permits Run, Exit {}

  /**
   * Start the server.
   *
   * @param notices raw stderr lines printed while parsing (warnings)
   */
  record Run(ServerOptions options, List<LogLine> notices) implements Outcome {}

  /** Print and exit without starting. */
  record Exit(int code, String stdout, List<LogLine> stderr) implements Outcome {}

  /** A handler's complaint about a value, reported with the option's usage. */
  private static final class BadValue extends Exception {
    BadValue(String message) {
      super(message);
    }
  }

  private final HelpText help;

  ArgParser(HelpText help) {
    this.help = help;
  }

  Outcome parse(List<String> args, Map<String, String> env) {
    Builder b = new Builder();
    List<LogLine> notices = new ArrayList<>();
    Map<HelpText.Option, String> envOf = new HashMap<>();
    for (HelpText.Option o : help.options()) {
      for (String line : o.usage()) {
        Matcher m = ENV.matcher(line);
        if (m.find()) {
          envOf.put(o, m.group(1));
        }
      }
    }
    for (HelpText.Option o : help.options()) {
      String var = envOf.get(o);
      String value = var == null ? null : env.get(var);
      if (value == null) {
        continue;
      }
      try {
        if (o.arity() == 0) {
          String name = truthy(value) ? positive(o) : falsey(value) ? negative(o) : null;
          if (name != null) {
            apply(o, name, List.of(), b, notices);
          }
        } else {
          apply(o, o.names().get(0), List.of(value), b, notices);
        }
      } catch (BadValue e) {
        return usageError("error while handling environment variable \"" + var + "\"", e, o);
      }
    }
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      HelpText.Option o = help.find(arg).orElse(null);
      if (o == null) {
        return new Exit(1, "", List.of(LogLine.raw("error: invalid argument: " + arg)));
      }
      if (envOf.containsKey(o) && env.containsKey(envOf.get(o))) {
        notices.add(
            LogLine.raw(
                "warn: "
                    + envOf.get(o)
                    + " environment variable is set, but will be overwritten by command line"
                    + " argument "
                    + arg));
      }
      String head = canonical(o);
      if (head.equals("--help")) {
        return new Exit(0, help.text(), List.of());
      }
      if (head.equals("--version")) {
        return new Exit(
            0,
            "",
            List.of(
                LogLine.raw("version: 0.1.1-dev (build 10470, commit 34af94cd)"),
                LogLine.raw("built with GNU 12.2.0 for Linux x86_64")));
      }
      try {
        if (i + o.arity() >= args.size()) {
          throw new BadValue("expected value for argument");
        }
        List<String> values = args.subList(i + 1, i + 1 + o.arity());
        i += o.arity();
        apply(o, arg, values, b, notices);
      } catch (BadValue e) {
        return usageError("error while handling argument \"" + arg + "\"", e, o);
      }
    }
    if (b.model == null) {
      return new Exit(
          2,
          "",
          List.of(
              LogLine.raw(
                  "fake llama-server: router mode (no -m/--model) is not emulated;"
                      + " pass -m <model.gguf>")));
    }
    return new Run(b.build(), notices);
  }

  private static Exit usageError(String what, BadValue e, HelpText.Option o) {
    List<LogLine> lines = new ArrayList<>();
    for (String l : (what + ": " + e.getMessage()).split("\n", -1)) {
      lines.add(LogLine.raw(l));
    }
    lines.add(LogLine.raw(""));
    lines.add(LogLine.raw("usage:"));
    o.usage().forEach(u -> lines.add(LogLine.raw(u)));
    lines.add(LogLine.raw(""));
    lines.add(LogLine.raw(""));
    lines.add(LogLine.raw("to show complete usage, run with -h"));
    return new Exit(1, "", lines);
  }

  private static String canonical(HelpText.Option o) {
    for (String n : o.names()) {
      if (n.startsWith("--")) {
        return n;
      }
    }
    return o.names().get(0);
  }

  private static String positive(HelpText.Option o) {
    for (String n : o.names()) {
      if (!isNegative(n)) {
        return n;
      }
    }
    return o.names().get(0);
  }

  private static String negative(HelpText.Option o) {
    for (String n : o.names()) {
      if (isNegative(n)) {
        return n;
      }
    }
    return null;
  }

  private static boolean isNegative(String name) {
    return name.startsWith("--no-") || name.startsWith("-no-") || name.equals("-nocb");
  }

  static boolean truthy(String v) {
    return Set.of("on", "enabled", "true", "1").contains(v.toLowerCase(Locale.ROOT));
  }

  static boolean falsey(String v) {
    return Set.of("off", "disabled", "false", "0").contains(v.toLowerCase(Locale.ROOT));
  }

  private static void apply(
      HelpText.Option o, String typed, List<String> values, Builder b, List<LogLine> notices)
      throws BadValue {
    String v = values.isEmpty() ? null : values.get(0);
    switch (canonical(o)) {
      case "--model" -> b.model = v;
      case "--ctx-size" -> b.ctxSize = stoi(v);
      case "--parallel" -> b.parallel = stoi(v);
      case "--threads" -> b.threads = stoi(v);
      case "--predict" -> b.nPredict = stoi(v);
      case "--host" -> b.host = v;
      case "--port" -> b.port = stoi(v);
      case "--cache-type-k" -> b.cacheTypeK = cacheType(v);
      case "--cache-type-v" -> b.cacheTypeV = cacheType(v);
      case "--flash-attn" -> b.flashAttn = flashAttn(v);
      case "--metrics" -> b.metrics = true;
      case "--slots" -> b.slots = !isNegative(typed);
      case "--props" -> b.propsEndpoint = true;
      case "--embedding" -> b.embeddings = true;
      case "--pooling" -> b.pooling = v;
      case "--ui" -> b.ui = !isNegative(typed);
      case "--alias" -> b.aliases = splitComma(v);
      case "--api-key" -> b.apiKeys.addAll(splitComma(v));
      case "--api-key-file" -> b.apiKeys.addAll(keyFile(v));
      case "--mmproj" -> b.mmproj = v;
      case "--log-disable" -> b.logDisabled = true;
      case "--sse-ping-interval" -> b.ssePingInterval = stoi(v);
      case "--context-shift" -> b.contextShift = !isNegative(typed);
      case "--verbosity" -> b.verbosity = stoi(v);
      case "--batch-size" -> b.batch = stoi(v);
      case "--ubatch-size" -> b.ubatch = stoi(v);
      case "--gpu-layers" -> {
        if (!v.equals("auto") && !v.equals("all")) {
          stoi(v);
        }
        notices.add(
            LogLine.raw("warning: no usable GPU found, --gpu-layers option will be ignored"));
      }
      default -> {
        // accepted like the real server; not emulated
      }
    }
  }

  private static String cacheType(String v) throws BadValue {
    if (!CACHE_TYPES.contains(v)) {
      throw new BadValue("Unsupported cache type: " + v);
    }
    return v;
  }

  private static String flashAttn(String v) throws BadValue {
    if (truthy(v)) {
      return "on";
    }
    if (falsey(v)) {
      return "off";
    }
    if (v.equals("auto") || v.equals("-1")) {
      return "auto";
    }
    throw new BadValue("error: unknown value for --flash-attn: '" + v + "'\n");
  }

  private static List<String> splitComma(String v) {
    List<String> out = new ArrayList<>();
    for (String s : v.split(",")) {
      if (!s.isEmpty()) {
        out.add(s);
      }
    }
    return out;
  }

  private static List<String> keyFile(String v) throws BadValue {
    try {
      List<String> keys = new ArrayList<>();
      for (String line : Files.readAllLines(Path.of(v))) {
        if (!line.isBlank()) {
          keys.add(line.strip());
        }
      }
      return keys;
    } catch (IOException e) {
      throw new BadValue("error: failed to open file '" + v + "'");
    }
  }

  /** C++ {@code std::stoi}: optional space and sign, digits, trailing junk ignored. */
  static int stoi(String v) throws BadValue {
    int i = 0;
    while (i < v.length() && Character.isWhitespace(v.charAt(i))) {
      i++;
    }
    int start = i;
    if (i < v.length() && (v.charAt(i) == '+' || v.charAt(i) == '-')) {
      i++;
    }
    int digits = i;
    while (i < v.length() && Character.isDigit(v.charAt(i))) {
      i++;
    }
    if (i == digits) {
      throw new BadValue("stoi");
    }
    try {
      return Integer.parseInt(v.substring(start, i));
    } catch (NumberFormatException e) {
      throw new BadValue("stoi");
    }
  }

  private static final class Builder {
    String model;
    int ctxSize;
    int parallel = -1;
    int threads = -1;
    String host = "127.0.0.1";
    int port = 8080;
    String cacheTypeK = "f16";
    String cacheTypeV = "f16";
    String flashAttn = "auto";
    boolean metrics;
    boolean slots = true;
    boolean propsEndpoint;
    boolean embeddings;
    List<String> aliases = List.of();
    final List<String> apiKeys = new ArrayList<>();
    boolean ui = true;
    String mmproj;
    int nPredict = -1;
    boolean logDisabled;
    int ssePingInterval = 30;
    boolean contextShift;
    int verbosity = 3;
    int batch = 2048;
    int ubatch = 512;
    String pooling;

    ServerOptions build() {
      return new ServerOptions(
          model,
          ctxSize,
          parallel,
          threads,
          host,
          port,
          cacheTypeK,
          cacheTypeV,
          flashAttn,
          metrics,
          slots,
          propsEndpoint,
          embeddings,
          List.copyOf(aliases),
          List.copyOf(apiKeys),
          ui,
          mmproj,
          nPredict,
          logDisabled,
          ssePingInterval,
          contextShift,
          verbosity,
          batch,
          ubatch,
          pooling);
    }
  }
}
