package io.llamasupervisor.app.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasupervisor.json.JsonMappers;
import io.llamasupervisor.supervisor.catalog.CatalogEntry;
import io.llamasupervisor.supervisor.catalog.ModelCatalog;
import io.llamasupervisor.supervisor.config.ConfigException;
import io.llamasupervisor.supervisor.config.MemoryConfig;
import io.llamasupervisor.supervisor.config.ServeConfig;
import io.llamasupervisor.supervisor.config.SupervisorConfig;
import io.llamasupervisor.supervisor.launch.CpuTopology;
import io.llamasupervisor.supervisor.launch.LaunchPlan;
import io.llamasupervisor.supervisor.launch.LaunchPlanner;
import io.llamasupervisor.supervisor.launch.MemoryEstimate;
import io.llamasupervisor.supervisor.launch.ModelSpec;
import io.llamasupervisor.supervisor.memory.DeviceInventory;
import io.llamasupervisor.supervisor.memory.MeasuredFootprint;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * {@code plan --models-dir DIR [--json] [--config FILE] [--llama-server PATH]
 * [--supervisor.key=value...]}: dry run. Catalogs the models directory once and prints, for every
 * model, the verdict and the llama-server command line that {@code serve} would run (with a {@code
 * <port>} placeholder), its context, KV cache types, warnings and memory estimate (per device: the
 * GPUs that {@code llama-server --list-devices} reports, and {@code cpu}). Exit code 0 when every
 * model is accepted, 2 when any is rejected, 1 on usage or configuration errors.
 */
@Command(
    name = "plan",
    description = "Print the llama-server command line planned for every model (dry run).",
    footer = {
      "",
      "      --supervisor.KEY=VALUE",
      "                      Any configuration key, e.g.",
      "                        --supervisor.defaults.ctx-size=8192",
      "                        --supervisor.models.\"lmstudio-community/**\".parallel=2",
      "",
      "Exit code: 0 every model accepted, 2 any rejected, 1 usage or configuration error."
    })
public final class PlanCommand extends CliCommand {
  private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9_./:=,+@%-]+");
  private static final ObjectMapper JSON = JsonMappers.mapper();

  @Mixin ConfigOptions configOptions;

  /** {@code --supervisor.KEY=VALUE} arguments. */
  @Unmatched List<String> unmatched = new ArrayList<>();

  @Option(names = "--json", description = "One JSON object per model and line.")
  boolean json;

  /**
   * Reads the host's devices for a llama-server binary (the estimate places offloaded layers on its
   * GPUs); tests replace it.
   */
  static java.util.function.Function<String, DeviceInventory> inventory = DeviceInventory::forHost;

  @Override
  public Integer call() {
    ConfigArgs parsed = configOptions.args(spec.commandLine(), unmatched);
    PrintWriter out = out();
    SupervisorConfig config;
    Path modelsDir;
    try {
      config = parsed.load(System.getenv());
      modelsDir = config.requireModelsDir();
    } catch (ConfigException e) {
      fail(e.getMessage());
      return 1;
    }
    if (!Files.isDirectory(modelsDir)) {
      fail("models directory " + modelsDir + " is not a directory");
      return 1;
    }
    try {
      // every section serve binds (API keys, gateway, cache...): plan refuses what serve refuses;
      // whether an address open to the network needs --insecure is serve's own flag
      ServeCommand.settings(config, modelsDir, true);
    } catch (ConfigException | IllegalStateException e) {
      fail(e.getMessage());
      return 1;
    }

    // A dry run has no later poll: two back-to-back polls count as "unchanged across two polls".
    try (ModelCatalog catalog =
        new ModelCatalog(config.catalog().withStableAfter(Duration.ZERO), Clock.systemUTC())) {
      catalog.scanOnce();
      catalog.scanOnce();
      DeviceInventory.Reading devices = inventory.apply(config.launch().llamaServer()).read();
      for (String problem : devices.problems()) {
        err().println("note: " + problem);
      }
      try {
        // a serve with this budget would refuse to start: so does its dry run
        List<String> unverified =
            MemoryConfig.checkBudgetDevices(MemoryConfig.of(config), devices, true);
        if (!unverified.isEmpty()) {
          err().println("note: supervisor.memory.budget names " + unverified + ", not verified");
        }
      } catch (ConfigException e) {
        fail(e.getMessage());
        return 1;
      }
      err().flush();
      LaunchPlanner planner =
          new LaunchPlanner(config.launch(), CpuTopology.physicalCores(), devices.gpus());
      List<CatalogEntry> entries = catalog.snapshot();
      if (entries.isEmpty()) {
        fail("no models found in " + modelsDir);
      }
      Path logs = instanceLogs(config, modelsDir);
      boolean allAccepted = true;
      for (CatalogEntry e : entries) {
        allAccepted &= e.accepted();
        LaunchPlan plan = e.accepted() ? planner.plan(ModelSpec.of(e), OptionalInt.empty()) : null;
        MeasuredFootprint measured = plan == null ? null : lastMeasured(logs, e.id()).orElse(null);
        if (json) {
          Map<String, Object> f = fields(e, plan);
          f.put("measured", measured);
          out.println(toJson(f));
        } else {
          printHuman(out, e, plan, measured);
        }
      }
      return allAccepted ? 0 : 2;
    }
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
      MemoryEstimate est = p.memory();
      Map<String, Object> mem = new LinkedHashMap<>();
      mem.put("weightsBytes", est.weightsBytes());
      mem.put("kvBytes", est.kvBytes());
      mem.put("computeBytes", est.computeBytes());
      mem.put("outputBytes", est.outputBytes());
      mem.put("totalBytes", est.totalBytes());
      mem.put("devices", est.devices());
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

  /** Where {@code serve} writes the instance logs for this configuration; null if unknown. */
  private static Path instanceLogs(SupervisorConfig config, Path modelsDir) {
    try {
      return ServeConfig.of(config, ServeCommand.defaultStateDir(modelsDir))
          .supervision()
          .log()
          .directory();
    } catch (RuntimeException e) { // a bad serve key: plan does not need it
      return null;
    }
  }

  /**
   * The footprint logged by the newest instance log of model {@code id} ({@code <id>#<generation>}
   * files written by {@code serve}), when its buffer lines are still in the file.
   */
  static Optional<MeasuredFootprint> lastMeasured(Path logs, String id) {
    if (logs == null || !Files.isDirectory(logs)) {
      return Optional.empty();
    }
    Pattern name =
        Pattern.compile(
            Pattern.quote(id.replaceAll("[^A-Za-z0-9._-]", "_"))
                + "_\\d+(-r\\d+)?-[0-9a-f]{8}\\.log");
    try (java.util.stream.Stream<Path> files = Files.list(logs)) {
      Optional<Path> newest =
          files
              .filter(f -> name.matcher(f.getFileName().toString()).matches())
              .max(
                  java.util.Comparator.comparing(
                      f -> {
                        try {
                          return Files.getLastModifiedTime(f);
                        } catch (java.io.IOException ex) {
                          return java.nio.file.attribute.FileTime.fromMillis(0);
                        }
                      }));
      if (newest.isEmpty()) {
        return Optional.empty();
      }
      List<String> head = new ArrayList<>();
      try (java.io.BufferedReader r =
          new java.io.BufferedReader(
              new java.io.InputStreamReader(
                  Files.newInputStream(newest.get()), java.nio.charset.StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null && head.size() < 20_000) {
          head.add(line);
        }
      }
      return MeasuredFootprint.parse(head);
    } catch (java.io.IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static void printHuman(
      PrintWriter out, CatalogEntry e, LaunchPlan p, MeasuredFootprint measured) {
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
    MemoryEstimate est = p.memory();
    out.printf(
        "  memory:    weights %s + KV %s + compute %s + output %s = %s%n",
        bytes(est.weightsBytes()),
        bytes(est.kvBytes()),
        bytes(est.computeBytes()),
        bytes(est.outputBytes()),
        bytes(est.totalBytes()));
    out.println(
        "  devices:   "
            + est.devices().entrySet().stream()
                .map(d -> d.getKey() + " " + bytes(d.getValue().totalBytes()))
                .collect(Collectors.joining(", ")));
    if (measured != null) {
      out.println(
          "  measured:  "
              + bytes(measured.totalBytes())
              + " at the last load ("
              + measured.devices().entrySet().stream()
                  .map(d -> d.getKey() + " " + bytes(d.getValue().totalBytes()))
                  .collect(Collectors.joining(", "))
              + ")");
    }
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
