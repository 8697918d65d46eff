package io.llamasupervisor.app.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasupervisor.supervisor.config.ServeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The compose stacks read as YAML and held against the image and the application: ports, health
 * check, stop grace period, volumes, keys, limits, and how the services find each other.
 */
class ComposeFilesTest {
  private static final Map<String, Object> BASE = Yaml.read("compose/compose.yaml");
  private static final Map<String, Object> SUPERVISOR = Yaml.map(BASE, "services", "supervisor");
  private static final List<String> ENTRYPOINT =
      DockerfileTest.DOCKERFILE.onlyRuntime("ENTRYPOINT").execForm();

  @Test
  void portsAreTheImagesOnTheHostsLoopback() {
    Set<String> container = new HashSet<>();
    for (Object port : Yaml.list(SUPERVISOR, "ports")) {
      String[] parts = String.valueOf(port).split(":");
      assertEquals(3, parts.length, "host address:host port:container port, got " + port);
      assertEquals("127.0.0.1", parts[0], "published on loopback only: " + port);
      assertEquals(parts[1], parts[2], "the same port on the host: " + port);
      container.add(parts[2]);
    }
    Set<String> exposed =
        Set.of(DockerfileTest.DOCKERFILE.onlyRuntime("EXPOSE").args().split("\\s+"));
    assertEquals(exposed, container);
    assertTrue(container.contains(Integer.toString(DockerfileTest.shippedDefaults().apiPort())));
  }

  @Test
  void theHealthCheckIsTheImagesHealthCommand() {
    String dockerfile = DockerfileTest.DOCKERFILE.onlyRuntime("HEALTHCHECK").args();
    List<String> image =
        new Dockerfile.Instruction("CMD", dockerfile.substring(dockerfile.indexOf("CMD ") + 4), 0)
            .execForm();
    List<Object> test = Yaml.list(SUPERVISOR, "healthcheck", "test");
    assertEquals("CMD", test.get(0));
    assertEquals(image, test.subList(1, test.size()));
  }

  @Test
  void theStopGracePeriodExceedsDrainTimeoutPlusStopGrace() {
    ServeConfig defaults = DockerfileTest.shippedDefaults();
    Duration needed =
        defaults.supervision().drainTimeout().plus(defaults.supervision().stopGrace());
    assertEquals(Duration.ofSeconds(70), needed, "README and compose/README.md say 60 s + 10 s");
    Duration grace = composeDuration(Yaml.string(SUPERVISOR, "stop_grace_period"));
    assertTrue(grace.compareTo(needed) > 0, "stop_grace_period " + grace + " <= " + needed);
    // tini forwards docker stop's SIGTERM to serve
    assertEquals(Boolean.TRUE, SUPERVISOR.get("init"));
  }

  @Test
  void modelsAreMountedReadOnlyAndStateLivesInANamedVolume() {
    String modelsDir = DockerfileTest.valueOf(ENTRYPOINT, "--models-dir");
    String stateDir = DockerfileTest.valueOf(ENTRYPOINT, "--state-dir");
    boolean models = false;
    boolean state = false;
    for (Object v : Yaml.list(SUPERVISOR, "volumes")) {
      // SOURCE:TARGET[:MODE]; the source may hold a ${VAR:-default} with a colon of its own
      List<String> parts = List.of(String.valueOf(v).split(":"));
      boolean hasMode = Set.of("ro", "rw").contains(parts.get(parts.size() - 1));
      String target = parts.get(parts.size() - (hasMode ? 2 : 1));
      if (target.equals(modelsDir)) {
        models = hasMode && parts.get(parts.size() - 1).equals("ro");
      }
      if (target.equals(stateDir)) {
        state = Yaml.map(BASE, "volumes").containsKey(parts.get(0));
      }
    }
    assertTrue(models, modelsDir + " mounted :ro in " + SUPERVISOR.get("volumes"));
    assertTrue(state, stateDir + " on a named volume in " + SUPERVISOR.get("volumes"));
  }

  @Test
  void restartsUnlessStoppedWithCpuAndMemoryLimits() {
    assertEquals("unless-stopped", SUPERVISOR.get("restart"));
    Map<String, Object> limits = Yaml.map(SUPERVISOR, "deploy", "resources", "limits");
    assertTrue(limits.containsKey("cpus") && limits.containsKey("memory"), limits.toString());
  }

  @Test
  void theSupervisorsApiKeysComeFromTheEnvFileAndTheAdminKeyIsRequired() throws IOException {
    Map<String, Object> env = Yaml.map(SUPERVISOR, "environment");
    String launcher = Files.readString(Repo.file("docker/llama-supervisor.sh"));
    for (String role : List.of("ADMIN", "OPERATE", "READ", "INFER")) {
      String name = "SUPERVISOR_API_KEY_" + role;
      assertEquals("${" + name, String.valueOf(env.get(name)).split("[:}]")[0], name);
      assertTrue(launcher.contains(name), "the image's launcher reads " + name);
    }
    assertTrue(String.valueOf(env.get("SUPERVISOR_API_KEY_ADMIN")).contains(":?"));
  }

  @Test
  void everyVariableAStackRequiresIsInTheEnvExample() throws IOException {
    String example = Files.readString(Repo.file("compose/.env.example"));
    Pattern required = Pattern.compile("\\$\\{(\\w+):\\?");
    for (String file :
        List.of("compose.yaml", "compose.observability.yaml", "compose.litellm.yaml")) {
      Matcher m = required.matcher(Files.readString(Repo.file("compose/" + file)));
      while (m.find()) {
        assertTrue(
            Pattern.compile("(?m)^" + m.group(1) + "=.+").matcher(example).find(),
            m.group(1) + " (required by " + file + ") is set in .env.example");
      }
    }
  }

  @Test
  void theCudaOverrideBuildsOnTheCudaImageAndReservesTheGpus() {
    Map<String, Object> cuda =
        Yaml.map(Yaml.read("compose/compose.cuda.yaml"), "services", "supervisor");
    assertEquals(
        "ghcr.io/ggml-org/llama.cpp:server-cuda",
        Yaml.string(cuda, "build", "args", "LLAMA_IMAGE"));
    assertTrue(DockerfileTest.DOCKERFILE.argDefault("LLAMA_IMAGE").isPresent());
    @SuppressWarnings("unchecked")
    Map<String, Object> device =
        (Map<String, Object>)
            Yaml.list(cuda, "deploy", "resources", "reservations", "devices").get(0);
    assertEquals("nvidia", device.get("driver"));
    assertEquals(List.of("gpu"), device.get("capabilities"));
  }

  @Test
  void prometheusScrapesTheSupervisorsApiWithTheKeyItsEntrypointWrites() {
    Map<String, Object> prometheus = Yaml.read("compose/prometheus/prometheus.yml");
    @SuppressWarnings("unchecked")
    Map<String, Object> job = (Map<String, Object>) Yaml.list(prometheus, "scrape_configs").get(0);
    @SuppressWarnings("unchecked")
    Map<String, Object> targets = (Map<String, Object>) Yaml.list(job, "static_configs").get(0);
    int apiPort = DockerfileTest.shippedDefaults().apiPort();
    assertEquals(List.of("supervisor:" + apiPort), targets.get("targets"));
    assertEquals("/metrics", job.get("metrics_path"));
    String keyFile = Yaml.string(job, "authorization", "credentials_file");
    Map<String, Object> service =
        Yaml.map(Yaml.read("compose/compose.observability.yaml"), "services", "prometheus");
    String entrypoint =
        String.join(" ", Yaml.list(service, "entrypoint").stream().map(String::valueOf).toList());
    assertTrue(entrypoint.contains("> " + keyFile), entrypoint);
    assertTrue(entrypoint.contains("SUPERVISOR_API_KEY_READ"), entrypoint);
    // the rule files prometheus.yml names sit beside it in the mounted folder
    for (Object rules : Yaml.list(prometheus, "rule_files")) {
      Repo.file("compose/prometheus/" + rules);
    }
    assertTrue(
        Yaml.list(service, "volumes").contains("./prometheus:/etc/prometheus:ro"),
        String.valueOf(service.get("volumes")));
  }

  @Test
  void grafanaGetsThePrometheusDatasourceAndTheDashboard() throws IOException {
    Map<String, Object> ds = Yaml.read("compose/grafana/provisioning/datasources/prometheus.yaml");
    @SuppressWarnings("unchecked")
    Map<String, Object> source = (Map<String, Object>) Yaml.list(ds, "datasources").get(0);
    assertEquals("http://prometheus:9090", source.get("url"));
    Map<String, Object> provider =
        Yaml.read("compose/grafana/provisioning/dashboards/llama-supervisor.yaml");
    @SuppressWarnings("unchecked")
    Map<String, Object> files = (Map<String, Object>) Yaml.list(provider, "providers").get(0);
    Map<String, Object> grafana =
        Yaml.map(Yaml.read("compose/compose.observability.yaml"), "services", "grafana");
    String dashboards = Yaml.string(files, "options", "path");
    assertTrue(
        Yaml.list(grafana, "volumes").contains("./grafana/dashboards:" + dashboards + ":ro"),
        String.valueOf(grafana.get("volumes")));
    // every panel queries the provisioned datasource
    JsonNode dashboard =
        new ObjectMapper()
            .readTree(Repo.file("compose/grafana/dashboards/llama-supervisor.json").toFile());
    assertTrue(dashboard.path("panels").size() > 0);
    for (JsonNode panel : dashboard.path("panels")) {
      assertEquals(
          source.get("uid"),
          panel.path("datasource").path("uid").asText(),
          panel.path("title").asText());
      for (JsonNode target : panel.path("targets")) {
        assertFalse(target.path("expr").asText().isBlank(), panel.path("title").asText());
      }
    }
  }

  @Test
  void liteLlmSendsEveryModelToTheGateway() {
    @SuppressWarnings("unchecked")
    Map<String, Object> route =
        (Map<String, Object>)
            Yaml.list(Yaml.read("compose/litellm/config.yaml"), "model_list").get(0);
    assertEquals("*", route.get("model_name"));
    assertEquals("openai/*", Yaml.string(route, "litellm_params", "model"));
    String gatewayPort = String.valueOf(Yaml.list(SUPERVISOR, "ports").get(0)).split(":")[2];
    assertEquals("8080", gatewayPort, "the first published port is the gateway's");
    assertEquals(
        "http://supervisor:" + gatewayPort + "/v1",
        Yaml.string(route, "litellm_params", "api_base"));
    // with the infer key, which the litellm service gets and the supervisor knows
    assertEquals(
        "os.environ/SUPERVISOR_API_KEY_INFER", Yaml.string(route, "litellm_params", "api_key"));
    Map<String, Object> litellm =
        Yaml.map(Yaml.read("compose/compose.litellm.yaml"), "services", "litellm");
    assertTrue(Yaml.map(litellm, "environment").containsKey("SUPERVISOR_API_KEY_INFER"));
    assertTrue(Yaml.map(SUPERVISOR, "environment").containsKey("SUPERVISOR_API_KEY_INFER"));
  }

  /** A compose duration such as {@code 90s}, {@code 1m30s}, {@code 2m}. */
  static Duration composeDuration(String text) {
    Matcher m = Pattern.compile("(?:(\\d+)h)?(?:(\\d+)m(?!s))?(?:(\\d+)s)?").matcher(text);
    if (text.isEmpty() || !m.matches()) {
      throw new AssertionError("not a compose duration: " + text);
    }
    long seconds = 0;
    seconds += m.group(1) == null ? 0 : Long.parseLong(m.group(1)) * 3600;
    seconds += m.group(2) == null ? 0 : Long.parseLong(m.group(2)) * 60;
    seconds += m.group(3) == null ? 0 : Long.parseLong(m.group(3));
    return Duration.ofSeconds(seconds);
  }
}
