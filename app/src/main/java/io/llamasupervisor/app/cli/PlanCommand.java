package io.llamasupervisor.app.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasupervisor.supervisor.catalog.CatalogEntry;
import io.llamasupervisor.supervisor.catalog.ModelCatalog;
import io.llamasupervisor.supervisor.config.ConfigException;
import io.llamasupervisor.supervisor.config.SupervisorConfig;
import io.llamasupervisor.supervisor.launch.LaunchPlan;
import io.llamasupervisor.supervisor.launch.LaunchPlanner;
import io.llamasupervisor.supervisor.launch.ModelSpec;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * {@code plan --models-dir DIR [--json] [--config FILE] [--llama-server PATH]
 * [--supervisor.key=value...]}: dry run. Catalogs the models directory once and prints, for every
 * model, the verdict and the llama-server command line that {@code serve} would run (with a {@code
 * <port>} placeholder), its context, KV cache types, warnings and memory estimate. Exit code 0 when
 * every model is accepted, 2 when any is rejected, 1 on usage or configuration errors.
 */
public final class PlanCommand implements Command {
  private static final String USAGE =
      "usage: llama-supervisor plan --models-dir DIR [--json] [--config FILE]"
          + " [--llama-server PATH] [--supervisor.KEY=VALUE...]";
  private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9_./:=,+@%-]+");
  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public String summary() {
    return "print the llama-server command line planned for every model (dry run)";
  }

  @Override
  public int run(List<String> args, PrintStream out, PrintStream err) {
    ConfigArgs parsed;
    try {
      parsed = ConfigArgs.parse(args, List.of(), List.of("--json"));
    } catch (IllegalArgumentException e) {
      return usage(err, e.getMessage());
    }
    if (parsed.help()) {
      out.println(USAGE);
      out.println("  --models-dir DIR      the models directory (supervisor.models-dir)");
      out.println("  --json                one JSON object per model and line");
      out.println("  --config FILE         YAML configuration on top of the shipped one");
      out.println("  --llama-server PATH   the llama-server binary (supervisor.llama-server)");
      out.println("  --supervisor.KEY=V    any configuration key, e.g.");
      out.println("                        --supervisor.defaults.ctx-size=8192");
      out.println(
          "                        --supervisor.models.\"lmstudio-community/**\".parallel=2");
      return 0;
    }
    boolean json = parsed.flag("--json");
    SupervisorConfig config;
    Path modelsDir;
    try {
      config = parsed.load(System.getenv());
      modelsDir = config.requireModelsDir();
    } catch (ConfigException e) {
      err.println("plan: " + e.getMessage());
      return 1;
    }
    if (!Files.isDirectory(modelsDir)) {
      err.println("plan: models directory " + modelsDir + " is not a directory");
      return 1;
    }

    // A dry run has no later poll: two back-to-back polls count as "unchanged across two polls".
    try (ModelCatalog catalog =
        new ModelCatalog(config.catalog().withStableAfter(Duration.ZERO), Clock.systemUTC())) {
      catalog.scanOnce();
      catalog.scanOnce();
      LaunchPlanner planner = new LaunchPlanner(config.launch());
      List<CatalogEntry> entries = catalog.snapshot();
      if (entries.isEmpty()) {
        err.println("plan: no models found in " + modelsDir);
      }
      boolean allAccepted = true;
      for (CatalogEntry e : entries) {
        allAccepted &= e.accepted();
        LaunchPlan plan = e.accepted() ? planner.plan(ModelSpec.of(e), OptionalInt.empty()) : null;
        if (json) {
          out.println(toJson(fields(e, plan)));
        } else {
          printHuman(out, e, plan);
        }
      }
      return allAccepted ? 0 : 2;
    }
  }

  private static int usage(PrintStream err, String problem) {
    err.println("plan: " + problem);
    err.println(USAGE);
    return 1;
  }

  /** The JSON fields of one model, in a stable order; plan fields are null when rejected. */
  static Map<String, Object> fields(CatalogEntry e, LaunchPlan p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", e.id());
    m.put("alias", e.alias());
    m.put("path", e.path().toString());
    m.put("verdict", e.accepted() ? "accepted" : "rejected");
    m.put("reason", e.accepted() ? null : e.reason().name());
    m.put("message", e.message());
    m.put("mmproj", e.mmproj() == null ? null : e.mmproj().toString());
    m.put("argv", p == null ? null : p.argv());
    m.put("env", p == null ? null : new TreeMap<>(p.env()));
    m.put("ctxSize", p == null ? null : p.ctxSize());
    m.put("ctxPerSlot", p == null ? null : p.ctxPerSlot());
    m.put("parallel", p == null ? null : p.parallel());
    m.put("cacheTypeK", p == null ? null : p.cacheTypeK().flag());
    m.put("cacheTypeV", p == null ? null : p.cacheTypeV().flag());
    m.put("flashAttn", p == null ? null : p.flashAttn().flag());
    List<String> warnings = new ArrayList<>(e.warnings());
    if (p != null) {
      warnings.addAll(p.warnings());
    }
    m.put("warnings", warnings);
    if (p == null) {
      m.put("memory", null);
    } else {
      Map<String, Object> mem = new LinkedHashMap<>();
      mem.put("weightsBytes", p.memory().weightsBytes());
      mem.put("kvBytes", p.memory().kvBytes());
      mem.put("totalBytes", p.memory().totalBytes());
      m.put("memory", mem);
    }
    m.put("planHash", p == null ? null : p.planHash());
    return m;
  }

  private static String toJson(Map<String, Object> fields) {
    try {
      return JSON.writeValueAsString(fields);
    } catch (JsonProcessingException ex) {
      throw new IllegalStateException(ex);
    }
  }

  private static void printHuman(PrintStream out, CatalogEntry e, LaunchPlan p) {
    out.println(e.id() + (e.alias() != null ? "  (alias " + e.alias() + ")" : ""));
    out.println("  file:      " + e.path());
    if (!e.accepted()) {
      out.println("  verdict:   rejected (" + e.reason() + "): " + e.message());
      out.println();
      return;
    }
    out.println("  verdict:   accepted");
    if (e.mmproj() != null) {
      out.println("  mmproj:    " + e.mmproj());
    }
    out.println(
        "  argv:      "
            + p.argv().stream().map(PlanCommand::quote).collect(Collectors.joining(" ")));
    if (!p.env().isEmpty()) {
      out.println(
          "  env:       "
              + new TreeMap<>(p.env())
                  .entrySet().stream()
                      .map(x -> x.getKey() + "=" + quote(x.getValue()))
                      .collect(Collectors.joining(" ")));
    }
    out.printf(
        "  context:   %d per slot x %d slots (--ctx-size %d)%n",
        p.ctxPerSlot(), p.parallel(), p.ctxSize());
    out.printf(
        "  kv cache:  K %s, V %s, flash-attn %s%n", p.cacheTypeK(), p.cacheTypeV(), p.flashAttn());
    out.printf(
        "  memory:    weights %s + KV %s = %s%n",
        bytes(p.memory().weightsBytes()),
        bytes(p.memory().kvBytes()),
        bytes(p.memory().totalBytes()));
    for (String w : e.warnings()) {
      out.println("  warning:   " + w);
    }
    for (String w : p.warnings()) {
      out.println("  warning:   " + w);
    }
    out.println();
  }

  static String quote(String s) {
    if (s.equals(LaunchPlan.PORT_PLACEHOLDER) || !s.isEmpty() && SHELL_SAFE.matcher(s).matches()) {
      return s;
    }
    return "'" + s.replace("'", "'\\''") + "'";
  }

  static String bytes(long n) {
    if (n >= 1L << 30) {
      return String.format(Locale.ROOT, "%.2f GiB", n / (double) (1L << 30));
    }
    return String.format(Locale.ROOT, "%.2f MiB", n / (double) (1L << 20));
  }
}
