package io.llamasupervisor.app.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code docker/Dockerfile} against what {@code mvn package} built: the jar it copies exists, its
 * jlink runtime holds every module the jar needs, the entrypoint's and the health check's commands
 * parse, and the image's launcher turns API keys from the environment into a configuration.
 */
class DockerfileIT {
  private static final Dockerfile DOCKERFILE = DockerfileTest.DOCKERFILE;

  @TempDir Path dir;

  @Test
  void theJarTheImageCopiesIsWhatPackageBuilds() {
    for (Dockerfile.Instruction copy : DOCKERFILE.runtime("COPY")) {
      String[] parts = copy.args().split("\\s+");
      if (parts[0].equals("--from=build") && parts[1].startsWith("/src/")) {
        Path built = Repo.root().resolve(parts[1].substring("/src/".length()));
        assertTrue(Files.isRegularFile(built), built + " (copied by: COPY " + copy.args() + ")");
      }
    }
    assertTrue(
        DOCKERFILE.runtime("COPY").stream()
            .anyMatch(c -> c.args().contains("/src/app/target/llama-supervisor.jar")));
  }

  @Test
  void theJlinkRuntimeHoldsEveryModuleTheJarNeeds() {
    Set<String> linked =
        new TreeSet<>(
            Arrays.asList(DOCKERFILE.argDefault("JAVA_MODULES").orElseThrow().split(",")));
    ToolProvider jdeps =
        ToolProvider.findFirst("jdeps")
            .orElseThrow(() -> new AssertionError("no jdeps: run the tests on a JDK"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        jdeps.run(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            "--ignore-missing-deps",
            "--multi-release",
            "17",
            "--print-module-deps",
            Repo.jar().toString());
    String printed = out.toString(StandardCharsets.UTF_8).strip();
    assertEquals(0, code, printed + err.toString(StandardCharsets.UTF_8));
    String[] lines = printed.split("\n");
    Set<String> needed = new TreeSet<>(Arrays.asList(lines[lines.length - 1].strip().split(",")));
    needed.removeAll(linked);
    assertEquals(Set.of(), needed, "modules the jar needs that JAVA_MODULES leaves out");
  }

  @Test
  void theEntrypointsFlagsParse() throws Exception {
    List<String> entrypoint = DOCKERFILE.onlyRuntime("ENTRYPOINT").execForm();
    List<String> serveArgs = new ArrayList<>(entrypoint.subList(1, entrypoint.size()));
    boolean gateway = Tools.serveHelp().contains("--gateway-host");
    if (!gateway) {
      int at = serveArgs.indexOf("--gateway-host");
      serveArgs.subList(at, at + 2).clear();
    }
    // arguments a user appends (compose command:, docker run IMAGE ...) come after the defaults
    // and win over them, also when they repeat one
    serveArgs.addAll(List.of("--host", "127.0.0.1", "--supervisor.defaults.parallel=2", "--help"));
    Tools.Result parsed = Tools.cli(serveArgs.toArray(String[]::new));
    assertEquals(0, parsed.exitCode(), "serve " + serveArgs + ":\n" + parsed.both());
    Assumptions.assumeTrue(
        gateway, "serve has no --gateway-host yet: re-run once the gateway is merged");
  }

  @Test
  void theExposedGatewayPortIsServesDefault() throws Exception {
    String help = Tools.serveHelp();
    Assumptions.assumeTrue(
        help.contains("--gateway-port"),
        "serve has no --gateway-port yet: re-run once the gateway is merged");
    Matcher m =
        Pattern.compile("--gateway-port[\\s\\S]{0,300}?default\\D{0,3}(\\d{2,5})").matcher(help);
    assertTrue(m.find(), "serve --help names the gateway's default port:\n" + help);
    assertTrue(
        DOCKERFILE.onlyRuntime("EXPOSE").args().contains(m.group(1)),
        "EXPOSE " + DOCKERFILE.onlyRuntime("EXPOSE").args() + " and --gateway-port " + m.group(1));
  }

  @Test
  void theHealthCheckCommandExists() throws Exception {
    String commands = Tools.commands();
    Assumptions.assumeTrue(
        java.util.regex.Pattern.compile("(?m)^\\s+health\\b").matcher(commands).find(),
        "llama-supervisor has no health command yet: re-run once it is merged");
    String healthcheck = DOCKERFILE.onlyRuntime("HEALTHCHECK").args();
    List<String> command =
        new Dockerfile.Instruction("CMD", healthcheck.substring(healthcheck.indexOf("CMD ") + 4), 0)
            .execForm();
    List<String> args = new ArrayList<>(command.subList(1, command.size()));
    args.add("--help");
    Tools.Result help = Tools.cli(args.toArray(String[]::new));
    assertEquals(0, help.exitCode(), help.both());
    // nothing listens there: the check must fail, not hang or pass
    Tools.Result down = Tools.cli("health", "--url", "http://127.0.0.1:" + freePort());
    assertEquals(1, down.exitCode(), down.both());
  }

  @Test
  void theLauncherRefusesKeysFromTheEnvironmentTogetherWithAConfigFile() throws Exception {
    Path config = Files.writeString(dir.resolve("config.yaml"), "supervisor: {}\n");
    Tools.Result r =
        Tools.run(
            Repo.root(),
            launcherEnv(Map.of("SUPERVISOR_API_KEY_READ", "a-read-key-of-24-characters")),
            60,
            List.of(
                "sh",
                Repo.file("docker/llama-supervisor.sh").toString(),
                "serve",
                "--config",
                config.toString(),
                "--help"));
    assertEquals(1, r.exitCode(), r.both());
    assertTrue(r.err().contains("put supervisor.api.keys in the --config file"), r.err());
  }

  /** The environment that makes the image's launcher run this build's jar with this JVM. */
  static Map<String, String> launcherEnv(Map<String, String> more) {
    Path javaHome = Path.of(Tools.java()).getParent().getParent();
    Map<String, String> env = new java.util.HashMap<>(more);
    env.put("JAVA_HOME", javaHome.toString());
    env.put("LLAMA_SUPERVISOR_JAR", Repo.jar().toString());
    return env;
  }

  static int freePort() throws java.io.IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
