package io.llamasupervisor.app.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The compose stack's Prometheus files through promtool (Debian package {@code prometheus}). */
class PrometheusRulesIT {
  private static final Path PROMETHEUS_DIR = Repo.file("compose/prometheus");

  @TempDir Path dir;

  private Tools.Result promtool(Path workDir, String... args) throws Exception {
    Path promtool = Tools.require("promtool", "prometheus");
    List<String> command = new java.util.ArrayList<>(List.of(promtool.toString()));
    command.addAll(List.of(args));
    return Tools.run(workDir, Map.of(), 120, command);
  }

  @Test
  void theConfigIsValidWithItsRuleFilesAndKeyFile() throws Exception {
    // the key file is written by the prometheus service's entrypoint: make one for promtool
    Path keyFile = Files.writeString(dir.resolve("supervisor-read.key"), "a-read-key-for-promtool");
    String config =
        Files.readString(PROMETHEUS_DIR.resolve("prometheus.yml"))
            .replace("/prometheus/supervisor-read.key", keyFile.toString());
    Files.writeString(dir.resolve("prometheus.yml"), config);
    Files.copy(PROMETHEUS_DIR.resolve("alerts.yml"), dir.resolve("alerts.yml"));
    Tools.Result r = promtool(dir, "check", "config", "prometheus.yml");
    assertEquals(0, r.exitCode(), r.both());
    assertTrue(r.both().contains("SUCCESS: 5 rules found"), r.both());
  }

  @Test
  void theAlertRulesAreValid() throws Exception {
    Tools.Result r = promtool(PROMETHEUS_DIR, "check", "rules", "alerts.yml");
    assertEquals(0, r.exitCode(), r.both());
  }

  @Test
  void theRulesUnitTestFiresEveryAlert() throws Exception {
    Tools.Result r = promtool(PROMETHEUS_DIR, "test", "rules", "alerts.test.yml");
    assertEquals(0, r.exitCode(), r.both());
    assertTrue(r.both().contains("SUCCESS"), r.both());
  }

  @Test
  void aBrokenThresholdFailsTheRulesUnitTest() throws Exception {
    // the unit test can fail: with the crash-loop threshold raised out of reach it must
    String rules =
        Files.readString(PROMETHEUS_DIR.resolve("alerts.yml")).replace(") >= 3\n", ") >= 300\n");
    Files.writeString(dir.resolve("alerts.yml"), rules);
    Files.copy(PROMETHEUS_DIR.resolve("alerts.test.yml"), dir.resolve("alerts.test.yml"));
    Tools.Result r = promtool(dir, "test", "rules", "alerts.test.yml");
    assertEquals(1, r.exitCode(), r.both());
    assertTrue(r.both().contains("LlamaCrashLoop"), r.both());
  }
}
