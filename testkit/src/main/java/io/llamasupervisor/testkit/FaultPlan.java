package io.llamasupervisor.testkit;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The faults one fake process will show, read from {@code FAKE_LLAMA_*} variables and {@code
 * --fake-*} flags (see {@link Fault}). Unknown names and bad values are rejected so that a typo in
 * a test fails loudly instead of silently testing the happy path.
 *
 * @param loadMs time spent loading (503) before the model is ready
 * @param tokenMs pace of generation, milliseconds per token
 * @param exitAfterMs exit this long after start, or -1
 * @param exitAfterRequests exit when this inference request arrives, or -1
 * @param exitCode code for both exit faults
 * @param hangAfterMs stop answering HTTP this long after start, or -1
 * @param hangAfterRequests stop answering HTTP from this inference request on, or -1
 * @param completions500 inference endpoints answer 500
 * @param ignoreSigterm SIGTERM/SIGINT do nothing
 * @param shutdownDeadlock the first SIGTERM/SIGINT once ready gets stuck (a second one exits 1)
 * @param forkGrandchildSeconds lifetime of a forked {@code sleep} holding stdout/stderr, or 0
 * @param floodStderrBytes bytes of log flood while loading, or 0
 * @param failLoad the {@code error loading model:} text of a forced load failure, or null
 * @param segvMissing the item of {@code FAKE_LLAMA_SEGV_UNLESS} missing from the command line (the
 *     load then dies by SIGSEGV), or null
 * @param failLoadOnce a marker file: {@code failLoad} applies only while it does not exist, or null
 * @param devices what {@code --list-devices} prints
 * @param holdBytes bytes held resident once loaded, or 0
 */
record FaultPlan(
    long loadMs,
    double tokenMs,
    long exitAfterMs,
    int exitAfterRequests,
    int exitCode,
    long hangAfterMs,
    int hangAfterRequests,
    boolean completions500,
    boolean ignoreSigterm,
    boolean shutdownDeadlock,
    long forkGrandchildSeconds,
    long floodStderrBytes,
    String failLoad,
    String segvMissing,
    String failLoadOnce,
    Devices devices,
    long holdBytes) {

  static final long DEFAULT_LOAD_MS = 20;
  static final double DEFAULT_TOKEN_MS = 1.0;

  /** No faults, default timings. */
  static FaultPlan none() {
    return new FaultPlan(
        DEFAULT_LOAD_MS,
        DEFAULT_TOKEN_MS,
        -1,
        -1,
        1,
        -1,
        -1,
        false,
        false,
        false,
        0,
        0,
        null,
        null,
        null,
        Devices.NONE,
        0);
  }

  /** The plan and the arguments left for llama-server's own parser. */
  record Parsed(FaultPlan plan, List<String> llamaArgs) {}

  /**
   * Extracts the fault settings.
   *
   * @throws IllegalArgumentException naming the variable or flag when a name or value is wrong
   */
  static Parsed parse(List<String> args, Map<String, String> env) {
    Map<Fault, String> raw = new EnumMap<>(Fault.class);
    for (Map.Entry<String, String> e : env.entrySet()) {
      if (e.getKey().startsWith("FAKE_LLAMA_")) {
        raw.put(byEnv(e.getKey()), e.getValue());
      }
    }
    List<String> rest = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (!a.startsWith("--fake-")) {
        rest.add(a);
        continue;
      }
      int eq = a.indexOf('=');
      String name = eq < 0 ? a : a.substring(0, eq);
      Fault f = byFlag(name);
      if (eq >= 0) {
        raw.put(f, a.substring(eq + 1));
      } else if (i + 1 < args.size()) {
        raw.put(f, args.get(++i));
      } else {
        throw new IllegalArgumentException(name + " needs a value");
      }
    }
    return new Parsed(build(raw, rest), List.copyOf(rest));
  }

  private static FaultPlan build(Map<Fault, String> raw, List<String> llamaArgs) {
    FaultPlan d = none();
    return new FaultPlan(
        duration(raw, Fault.LOAD_MS, d.loadMs),
        decimal(raw, Fault.TOKEN_MS, d.tokenMs),
        duration(raw, Fault.EXIT_AFTER_MS, -1),
        count(raw, Fault.EXIT_AFTER_REQUESTS, -1, 1),
        count(raw, Fault.EXIT_CODE, 1, 0),
        duration(raw, Fault.HANG_AFTER_MS, -1),
        count(raw, Fault.HANG_AFTER_REQUESTS, -1, 1),
        bool(raw, Fault.COMPLETIONS_500),
        bool(raw, Fault.IGNORE_SIGTERM),
        bool(raw, Fault.SHUTDOWN_DEADLOCK),
        duration(raw, Fault.FORK_GRANDCHILD, 0),
        longCount(raw, Fault.FLOOD_STDERR_BYTES),
        text(raw, Fault.FAIL_LOAD),
        missing(text(raw, Fault.SEGV_UNLESS), llamaArgs),
        text(raw, Fault.FAIL_LOAD_ONCE),
        devices(raw),
        longCount(raw, Fault.HOLD_BYTES));
  }

  private static Devices devices(Map<Fault, String> raw) {
    try {
      return Devices.parse(raw.get(Fault.DEVICES));
    } catch (IllegalArgumentException e) {
      throw bad(Fault.DEVICES, raw.get(Fault.DEVICES), e.getMessage());
    }
  }

  /**
   * The first comma-separated item of {@code unless} whose arguments do not appear, in order and
   * next to each other, in {@code args}; null when all do (or no item is given).
   */
  static String missing(String unless, List<String> args) {
    if (unless == null) {
      return null;
    }
    for (String item : unless.split(",")) {
      List<String> tokens = List.of(item.trim().split("\\s+"));
      if (item.isBlank()) {
        continue;
      }
      if (java.util.Collections.indexOfSubList(args, tokens) < 0) {
        return item.trim();
      }
    }
    return null;
  }

  private static Fault byEnv(String name) {
    for (Fault f : Fault.values()) {
      if (f.envName().equals(name)) {
        return f;
      }
    }
    throw new IllegalArgumentException("unknown fault variable " + name + ": " + known());
  }

  private static Fault byFlag(String name) {
    for (Fault f : Fault.values()) {
      if (f.flagName().equals(name)) {
        return f;
      }
    }
    throw new IllegalArgumentException("unknown fault flag " + name + ": " + known());
  }

  private static String known() {
    List<String> names = new ArrayList<>();
    for (Fault f : Fault.values()) {
      names.add(f.envName());
    }
    return "known: " + String.join(", ", names);
  }

  private static IllegalArgumentException bad(Fault f, String v, String expected) {
    return new IllegalArgumentException(
        "invalid value '" + v + "' for " + f.envName() + " / " + f.flagName() + ": " + expected);
  }

  private static long duration(Map<Fault, String> raw, Fault f, long dflt) {
    String v = raw.get(f);
    if (v == null) {
      return dflt;
    }
    try {
      long n = Long.parseLong(v.trim());
      if (n < 0) {
        throw bad(f, v, "expected milliseconds >= 0");
      }
      return n;
    } catch (NumberFormatException e) {
      throw bad(f, v, "expected a whole number");
    }
  }

  private static double decimal(Map<Fault, String> raw, Fault f, double dflt) {
    String v = raw.get(f);
    if (v == null) {
      return dflt;
    }
    try {
      double d = Double.parseDouble(v.trim());
      if (!(d >= 0) || Double.isInfinite(d)) {
        throw bad(f, v, "expected a number >= 0");
      }
      return d;
    } catch (NumberFormatException e) {
      throw bad(f, v, "expected a number");
    }
  }

  private static int count(Map<Fault, String> raw, Fault f, int dflt, int min) {
    String v = raw.get(f);
    if (v == null) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n < min || (f == Fault.EXIT_CODE && n > 255)) {
        throw bad(f, v, f == Fault.EXIT_CODE ? "expected 0..255" : "expected a count >= " + min);
      }
      return n;
    } catch (NumberFormatException e) {
      throw bad(f, v, "expected a whole number");
    }
  }

  private static long longCount(Map<Fault, String> raw, Fault f) {
    return duration(raw, f, 0);
  }

  private static boolean bool(Map<Fault, String> raw, Fault f) {
    String v = raw.get(f);
    if (v == null) {
      return false;
    }
    return switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "1", "true", "yes", "on" -> true;
      case "0", "false", "no", "off", "" -> false;
      default -> throw bad(f, v, "expected true or false");
    };
  }

  private static String text(Map<Fault, String> raw, Fault f) {
    String v = raw.get(f);
    return v == null || v.isEmpty() || v.equalsIgnoreCase("false") || v.equals("0") ? null : v;
  }
}
