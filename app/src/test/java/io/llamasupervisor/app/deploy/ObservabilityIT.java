package io.llamasupervisor.app.deploy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasupervisor.gguf.testing.GgufWriter;
import io.llamasupervisor.testkit.FakeLlamaServer;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The observability stack as plain processes: {@code serve} started by the image's launcher with
 * API keys from the environment (as in the container) and the fake llama-server, then
 *
 * <ul>
 *   <li>every metric name of the Grafana dashboard and the alert rules is in its {@code /metrics}
 *       (the gateway's after a request went through the gateway, when serve has one);
 *   <li>a real Prometheus (Debian package {@code prometheus}) with the compose stack's {@code
 *       prometheus.yml}, its target rewritten to loopback, scrapes it with the read key and answers
 *       queries for our series, {@code llamacpp:*} with the {@code model} label, with the alert
 *       rules loaded.
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ObservabilityIT {
  private static final Duration LONG = Duration.ofSeconds(60);

  /** serve with the gateway and every module starts in seconds, on a loaded machine in a minute. */
  private static final Duration STARTUP = Duration.ofMinutes(3);

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MODEL = "pub/repo/m";
  private static final String READ_KEY = "read-key-for-the-observability-test";
  private static final String ADMIN_KEY = "admin-key-for-the-observability-test";
  private static final Pattern METRIC_NAME =
      Pattern.compile(
          "\\b(llama_supervisor_\\w+|llama_gateway_\\w+|llamacpp:\\w+|jvm_\\w+|process_\\w+)");

  /**
   * Named by the dashboard or the alert rules, exported by nothing yet; each shows "no data" (or
   * keeps its alert silent) until it is. Remove a name here once it is exported.
   */
  static final Map<String, String> NOT_EXPORTED_YET =
      Map.of(
          "llama_gateway_cache_requests_total",
          "the gateway's response cache, result=hit|miss|bypass|semantic-hit",
          "llama_supervisor_model_memory_bytes",
          "the launch plan's memory estimate per model");

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private Path dir;
  private Process serve;
  private Process prometheus;
  private int apiPort;
  private int gatewayPort;
  private boolean gateway;

  @BeforeAll
  void startServe() throws Exception {
    dir = Files.createTempDirectory("observability-it");
    Path models = Files.createDirectories(dir.resolve("models"));
    GgufWriter.llama(2048, 128, 4, 2, 2).write(models.resolve(MODEL + ".gguf"));
    Path binary = FakeLlamaServer.installExecutable(dir.resolve("bin"));
    apiPort = DockerfileIT.freePort();
    gatewayPort = DockerfileIT.freePort();
    gateway = Tools.serveHelp().contains("--gateway-port");
    int first = 20000 + ThreadLocalRandom.current().nextInt(120) * 100;
    List<String> command =
        new ArrayList<>(
            List.of(
                "sh",
                Repo.file("docker/llama-supervisor.sh").toString(),
                "serve",
                "--models-dir",
                models.toString(),
                "--state-dir",
                dir.resolve("state").toString(),
                "--host",
                "127.0.0.1",
                "--port",
                Integer.toString(apiPort),
                "--supervisor.ports=" + first + "-" + (first + 50),
                "--supervisor.catalog.poll-interval=100ms",
                "--supervisor.catalog.stable-after=100ms",
                "--supervisor.supervision.resync-interval=200ms",
                "--supervisor.supervision.stop-grace=2s"));
    if (gateway) {
      command.addAll(
          List.of("--gateway-host", "127.0.0.1", "--gateway-port", Integer.toString(gatewayPort)));
    }
    Map<String, String> env =
        DockerfileIT.launcherEnv(
            Map.of(
                "SUPERVISOR_API_KEY_READ",
                READ_KEY,
                "SUPERVISOR_API_KEY_ADMIN",
                ADMIN_KEY,
                "LLAMA_SERVER_BIN",
                binary.toString(),
                "TMPDIR",
                Files.createDirectories(dir.resolve("tmp")).toString()));
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("serve.log").toFile());
    pb.environment().putAll(env);
    serve = pb.start();
    try {
      await()
          .atMost(STARTUP)
          .pollInterval(Duration.ofMillis(250))
          .failFast("serve exited", () -> !serve.isAlive())
          .until(() -> metrics().contains("llamacpp:requests_processing{model=\"" + MODEL + "\""));
    } catch (org.awaitility.core.ConditionTimeoutException
        | org.awaitility.core.TerminalFailureException e) {
      throw new AssertionError(
          "no llamacpp series in /metrics; serve log:\n" + log("serve.log"), e);
    }
    // a restart (blue-green, with the admin key): llama_supervisor_restarts_total exists from the
    // first restart on
    HttpResponse<String> restart =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + apiPort + "/api/v1/models/" + MODEL + "/restart"))
                .header("Authorization", "Bearer " + ADMIN_KEY)
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(202, restart.statusCode(), restart.body());
    await()
        .atMost(LONG)
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              String text = metrics();
              return text.contains("llama_supervisor_restarts_total{")
                  && text.contains("llamacpp:requests_processing{model=\"" + MODEL + "\"");
            });
  }

  @AfterAll
  void stopAll() throws Exception {
    List<ProcessHandle> children = new ArrayList<>();
    for (Process p : new Process[] {prometheus, serve}) {
      if (p == null) {
        continue;
      }
      p.descendants().forEach(children::add);
      p.destroy(); // SIGTERM: serve stops its llama-servers
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
      }
    }
    children.forEach(ProcessHandle::destroyForcibly);
    if (dir != null) {
      try (var paths = Files.walk(dir)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private String log(String name) {
    try {
      return Files.readString(dir.resolve(name), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no " + name + ")";
    }
  }

  /** serve's /metrics with the read key, or "" while it does not answer. */
  private String metrics() {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort + "/metrics"))
                  .header("Authorization", "Bearer " + READ_KEY)
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? r.body() : "";
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  /**
   * Every name a query can use for what a /metrics text exports: sample names, and the names of its
   * families ({@code _total} of counters, {@code _bucket/_sum/_count} of histograms, {@code
   * _sum/_count} of summaries) even when they have no sample yet.
   */
  static Set<String> exportedNames(String text) {
    Set<String> names = new TreeSet<>();
    Pattern type = Pattern.compile("# TYPE (\\S+) (\\S+)");
    for (String line : text.split("\n")) {
      Matcher t = type.matcher(line);
      if (t.lookingAt()) {
        String name = t.group(1);
        names.add(name);
        switch (t.group(2)) {
          case "counter" -> names.add(name.endsWith("_total") ? name : name + "_total");
          case "histogram" ->
              names.addAll(List.of(name + "_bucket", name + "_sum", name + "_count"));
          case "summary" -> names.addAll(List.of(name + "_sum", name + "_count"));
          default -> {}
        }
      } else if (!line.isBlank() && !line.startsWith("#")) {
        names.add(line.split("[{ ]", 2)[0]);
      }
    }
    return names;
  }

  /** The metric names in the dashboard's queries (panel targets and template variables). */
  static Set<String> dashboardNames() throws IOException {
    JsonNode dashboard =
        JSON.readTree(Repo.file("compose/grafana/dashboards/llama-supervisor.json").toFile());
    Set<String> names = new TreeSet<>();
    for (JsonNode panel : dashboard.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        names.addAll(namesIn(target.path("expr").asText()));
      }
    }
    for (JsonNode variable : dashboard.path("templating").path("list")) {
      names.addAll(namesIn(variable.path("definition").asText()));
    }
    assertFalse(names.isEmpty(), "no metric names in the dashboard");
    return names;
  }

  static Set<String> alertNames() throws IOException {
    return namesIn(Files.readString(Repo.file("compose/prometheus/alerts.yml")));
  }

  static Set<String> namesIn(String text) {
    Set<String> names = new TreeSet<>();
    Matcher m = METRIC_NAME.matcher(text);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  private static Set<String> missing(Set<String> wanted, Set<String> exported) {
    Set<String> missing = new TreeSet<>(wanted);
    missing.removeAll(exported);
    missing.removeAll(NOT_EXPORTED_YET.keySet());
    return missing;
  }

  private static Set<String> withPrefix(Set<String> names, String prefix, boolean keep) {
    Set<String> out = new TreeSet<>();
    names.stream().filter(n -> n.startsWith(prefix) == keep).forEach(out::add);
    return out;
  }

  @Test
  void everySupervisorAndLlamaCppNameOfTheDashboardAndAlertsIsInMetrics() throws Exception {
    Set<String> exported = exportedNames(metrics());
    Set<String> wanted = new TreeSet<>(dashboardNames());
    wanted.addAll(alertNames());
    Set<String> ours = withPrefix(wanted, "llama_gateway_", false);
    assertTrue(ours.stream().anyMatch(n -> n.startsWith("llamacpp:")), ours.toString());
    assertEquals(Set.of(), missing(ours, exported), "names not in /metrics:\n" + metrics());
  }

  @Test
  void everyGatewayNameOfTheDashboardAndAlertsIsInMetricsAfterARequest() throws Exception {
    Assumptions.assumeTrue(gateway, "serve has no gateway yet: re-run once the gateway is merged");
    for (boolean stream : new boolean[] {false, true}) {
      String body =
          JSON.writeValueAsString(
              Map.of(
                  "model",
                  MODEL,
                  "max_tokens",
                  4,
                  "stream",
                  stream,
                  "messages",
                  List.of(Map.of("role", "user", "content", "hello"))));
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + gatewayPort + "/v1/chat/completions"))
                  .header("Content-Type", "application/json")
                  .header("Authorization", "Bearer " + READ_KEY)
                  .timeout(Duration.ofSeconds(30))
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), "through the gateway (stream=" + stream + "): " + r.body());
    }
    Set<String> wanted = new TreeSet<>(dashboardNames());
    wanted.addAll(alertNames());
    Set<String> gatewayNames = withPrefix(wanted, "llama_gateway_", true);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertEquals(
                    Set.of(),
                    missing(gatewayNames, exportedNames(metrics())),
                    "gateway names not in /metrics:\n" + metrics()));
  }

  @Test
  void theKeysTheLauncherTookFromTheEnvironmentGuardTheApi() throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + apiPort + "/metrics");
    HttpResponse<String> anonymous =
        http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(401, anonymous.statusCode(), anonymous.body());
    HttpResponse<String> admin =
        http.send(
            HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + ADMIN_KEY).build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, admin.statusCode(), admin.body());
    // the key file the launcher wrote is readable by its owner only
    try (var files = Files.list(dir.resolve("tmp"))) {
      Path keys = files.findFirst().orElseThrow();
      assertEquals(
          "rw-------",
          java.nio.file.attribute.PosixFilePermissions.toString(
              Files.getPosixFilePermissions(keys)));
    }
  }

  @Test
  void theImagesHealthCheckPassesAgainstServeWithKeys() throws Exception {
    String healthcheck = DockerfileTest.DOCKERFILE.onlyRuntime("HEALTHCHECK").args();
    List<String> command =
        new Dockerfile.Instruction("CMD", healthcheck.substring(healthcheck.indexOf("CMD ") + 4), 0)
            .execForm();
    assertEquals("llama-supervisor", command.get(0));
    String url = "http://127.0.0.1:" + apiPort;
    List<List<String>> checks =
        List.of(List.of("--url", url), List.of("--url", url, "--ready", "--api-key", READ_KEY));
    for (List<String> extra : checks) {
      List<String> run =
          new ArrayList<>(List.of("sh", Repo.file("docker/llama-supervisor.sh").toString()));
      run.addAll(command.subList(1, command.size()));
      run.addAll(extra);
      Tools.Result r = Tools.run(Repo.root(), DockerfileIT.launcherEnv(Map.of()), 60, run);
      assertEquals(0, r.exitCode(), run + ":\n" + r.both());
    }
  }

  @Test
  void namesNotExportedYetAreStillNotExported() {
    // once one is exported, drop it from NOT_EXPORTED_YET so that the checks above cover it
    Set<String> exported = exportedNames(metrics());
    for (String name : NOT_EXPORTED_YET.keySet()) {
      assertFalse(
          exported.stream().anyMatch(e -> e.equals(name) || e.startsWith(name + "_")),
          name + " is exported now: remove it from NOT_EXPORTED_YET");
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void prometheusWithTheStacksConfigScrapesOurSeries() throws Exception {
    Path binary = Tools.require("prometheus", "prometheus");
    Path promDir = Files.createDirectories(dir.resolve("prometheus"));
    Path keyFile = Files.writeString(promDir.resolve("supervisor-read.key"), READ_KEY);
    org.yaml.snakeyaml.Yaml yaml = new org.yaml.snakeyaml.Yaml();
    Map<String, Object> config = Yaml.read("compose/prometheus/prometheus.yml");
    Map<String, Object> global = Yaml.map(config, "global");
    global.put("scrape_interval", "1s");
    global.put("evaluation_interval", "1s");
    List<Object> rules = new ArrayList<>();
    for (Object f : Yaml.list(config, "rule_files")) {
      rules.add(Repo.file("compose/prometheus/" + f).toString());
    }
    config.put("rule_files", rules);
    Map<String, Object> job = (Map<String, Object>) Yaml.list(config, "scrape_configs").get(0);
    Yaml.map(job, "authorization").put("credentials_file", keyFile.toString());
    Map<String, Object> targets = (Map<String, Object>) Yaml.list(job, "static_configs").get(0);
    assertEquals(List.of("supervisor:8090"), targets.get("targets"));
    targets.put("targets", List.of("127.0.0.1:" + apiPort));
    Path configFile = promDir.resolve("prometheus.yml");
    Files.writeString(configFile, yaml.dump(config));

    int port = DockerfileIT.freePort();
    prometheus =
        new ProcessBuilder(
                binary.toString(),
                "--config.file=" + configFile,
                "--storage.tsdb.path=" + promDir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
    String base = "http://127.0.0.1:" + port;

    // scraped with the read key from the file prometheus.yml names
    JsonNode up = awaitResult(base, "up{job=\"llama-supervisor\"}", r -> r.size() == 1);
    assertEquals("1", up.get(0).path("value").get(1).asText(), up.toString());
    JsonNode ready =
        awaitResult(base, "llama_supervisor_models{state=\"ready\"}", r -> r.size() == 1);
    assertEquals("1", ready.get(0).path("value").get(1).asText(), ready.toString());
    // an instance's own series, relabelled with model and generation by serve
    JsonNode processing = awaitResult(base, "llamacpp:requests_processing", r -> r.size() >= 1);
    JsonNode labels = processing.get(0).path("metric");
    assertEquals(MODEL, labels.path("model").asText(), processing.toString());
    assertTrue(labels.has("generation"), processing.toString());
    awaitResult(
        base,
        "sum by (model) (rate(llamacpp:tokens_predicted_total{model=\"" + MODEL + "\"}[1m]))",
        r -> r.size() == 1);

    // the stack's alert rules are loaded
    JsonNode groups = get(base + "/api/v1/rules").path("data").path("groups");
    Set<String> loaded = new TreeSet<>();
    for (JsonNode g : groups) {
      for (JsonNode rule : g.path("rules")) {
        loaded.add(rule.path("name").asText());
      }
    }
    assertEquals(AlertRulesTest.alertNames(), loaded, groups.toString());
  }

  private JsonNode awaitResult(
      String base, String query, java.util.function.Predicate<JsonNode> done) {
    String url = base + "/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8);
    try {
      return await()
          .atMost(LONG)
          .pollInterval(Duration.ofMillis(500))
          .failFast("prometheus exited", () -> !prometheus.isAlive())
          .until(() -> get(url).path("data").path("result"), r -> r.isArray() && done.test(r));
    } catch (org.awaitility.core.ConditionTimeoutException
        | org.awaitility.core.TerminalFailureException e) {
      throw new AssertionError(
          query + ": " + get(url) + "\nprometheus log:\n" + log("prometheus.log"), e);
    }
  }

  private JsonNode get(String url) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.ofString());
      return JSON.readTree(r.body());
    } catch (IOException e) {
      return JSON.createObjectNode();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return JSON.createObjectNode();
    }
  }
}
