package io.llamasupervisor.app.deploy;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.supervisor.config.ConfigLoader;
import io.llamasupervisor.supervisor.config.ServeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@code docker/Dockerfile} read as text: the runtime image is llama.cpp's server image, runs
 * {@code serve} as a non-root user with the container defaults, exposes the default ports, checks
 * its health without curl, and copies only what the build context holds.
 */
class DockerfileTest {
  static final Dockerfile DOCKERFILE = Dockerfile.read(Repo.file("docker/Dockerfile"));

  /** The defaults of the shipped configuration, as serve would see them. */
  static ServeConfig shippedDefaults() {
    return ServeConfig.of(
        new ConfigLoader().load(null, List.of("supervisor.models-dir=/models")),
        Path.of("/var/lib/llama-supervisor"));
  }

  /** The value after {@code flag} in an argument list; fails when the flag is not there once. */
  static String valueOf(List<String> args, String flag) {
    int at = args.indexOf(flag);
    assertTrue(at >= 0 && at + 1 < args.size(), flag + " with a value in " + args);
    assertEquals(at, args.lastIndexOf(flag), flag + " given twice in " + args);
    return args.get(at + 1);
  }

  @Test
  void theRuntimeStageIsTheLlamaCppServerImageChosenByBuildArg() {
    assertEquals(
        "ghcr.io/ggml-org/llama.cpp:server", DOCKERFILE.argDefault("LLAMA_IMAGE").orElseThrow());
    List<Dockerfile.Instruction> froms = DOCKERFILE.all("FROM");
    assertEquals("${LLAMA_IMAGE}", froms.get(froms.size() - 1).args());
    List<String> env = DOCKERFILE.runtime("ENV").stream().map(i -> i.args()).toList();
    assertTrue(
        String.join(" ", env).contains("LLAMA_SERVER_BIN=/app/llama-server"),
        "llama-server of the image: " + env);
  }

  @Test
  void servesAsANonRootUserThatTheImageCreates() {
    String user = DOCKERFILE.onlyRuntime("USER").args();
    assertFalse(Set.of("root", "0", "0:0").contains(user), "USER " + user);
    String runs =
        DOCKERFILE.runtime("RUN").stream().map(i -> i.args()).collect(Collectors.joining("\n"));
    assertTrue(runs.matches("(?s).*useradd\\b.*\\b" + Pattern.quote(user) + "\\b.*"), runs);
    // the state directory belongs to that user: serve writes its state file and logs there
    assertTrue(runs.contains("chown " + user + ":" + user + " /var/lib/llama-supervisor"), runs);
  }

  @Test
  void theEntrypointIsServeWithTheContainerDefaults() {
    List<String> entrypoint = DOCKERFILE.onlyRuntime("ENTRYPOINT").execForm();
    assertEquals(List.of("llama-supervisor", "serve"), entrypoint.subList(0, 2));
    assertAll(
        () -> assertEquals("/models", valueOf(entrypoint, "--models-dir")),
        () -> assertEquals("/var/lib/llama-supervisor", valueOf(entrypoint, "--state-dir")),
        () -> assertEquals("0.0.0.0", valueOf(entrypoint, "--host")),
        () -> assertEquals("0.0.0.0", valueOf(entrypoint, "--gateway-host")));
    // the address is not loopback, so serve demands API keys: no --insecure baked in
    assertFalse(entrypoint.contains("--insecure"), entrypoint.toString());
    assertTrue(DOCKERFILE.runtime("CMD").isEmpty(), "a CMD would replace arguments users add");
  }

  @Test
  void exposesTheApiPortAndTheGatewayPort() {
    Set<String> exposed =
        DOCKERFILE.runtime("EXPOSE").stream()
            .flatMap(i -> Arrays.stream(i.args().split("\\s+")))
            .collect(Collectors.toSet());
    int apiPort = shippedDefaults().apiPort();
    assertEquals(8090, apiPort, "the API's default port");
    // the gateway's default (serve --gateway-port) is checked against serve --help by DockerfileIT
    assertEquals(Set.of(Integer.toString(apiPort), "8080"), exposed);
  }

  @Test
  void theHealthCheckRunsTheHealthCommandWithoutCurl() {
    String healthcheck = DOCKERFILE.onlyRuntime("HEALTHCHECK").args();
    int cmd = healthcheck.indexOf("CMD ");
    assertTrue(cmd >= 0, healthcheck);
    List<String> command =
        new Dockerfile.Instruction("CMD", healthcheck.substring(cmd + 4), 0).execForm();
    assertEquals(List.of("llama-supervisor", "health"), command.subList(0, 2));
    String all =
        DOCKERFILE.runtime("RUN").stream().map(i -> i.args()).collect(Collectors.joining(" "));
    assertFalse(all.contains("curl"), "the image must not need curl: " + all);
  }

  @Test
  void theStopGraceDocumentedInTheDockerfileCoversDrainAndStopGrace() {
    ServeConfig defaults = shippedDefaults();
    long needed =
        defaults.supervision().drainTimeout().toSeconds()
            + defaults.supervision().stopGrace().toSeconds();
    Matcher m = Pattern.compile("docker stop -t (\\d+)").matcher(text("docker/Dockerfile"));
    assertTrue(m.find(), "the Dockerfile tells which docker stop -t to use");
    assertTrue(
        Long.parseLong(m.group(1)) > needed,
        "docker stop -t " + m.group(1) + " must exceed drain.timeout + stop-grace = " + needed);
  }

  @Test
  void everyFileCopiedFromTheBuildContextIsInIt() {
    DockerIgnore ignore = DockerIgnore.read(Repo.file(".dockerignore"));
    List<String> sources = new ArrayList<>();
    for (Dockerfile.Instruction copy : DOCKERFILE.all("COPY")) {
      if (copy.args().startsWith("--from=")) {
        continue;
      }
      List<String> parts = List.of(copy.args().split("\\s+"));
      sources.addAll(parts.subList(0, parts.size() - 1));
    }
    assertTrue(sources.contains("."), "the build stage copies the sources: " + sources);
    for (String source : sources) {
      if (source.equals(".")) {
        continue;
      }
      assertTrue(Files.exists(Repo.root().resolve(source)), source + " exists");
      assertFalse(ignore.excludes(source), source + " is excluded by .dockerignore");
      assertTrue(Files.isExecutable(Repo.root().resolve(source)), source + " is executable");
    }
  }

  @Test
  void theBuildContextHoldsEveryModuleAndNoBuildOutput() throws Exception {
    DockerIgnore ignore = DockerIgnore.read(Repo.file(".dockerignore"));
    String pom = text("pom.xml");
    Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(pom);
    List<String> modules = new ArrayList<>();
    while (m.find()) {
      modules.add(m.group(1));
    }
    assertTrue(modules.contains("app"), modules.toString());
    for (String module : modules) {
      assertFalse(ignore.excludes(module + "/pom.xml"), module + "/pom.xml excluded");
      assertFalse(ignore.excludes(module + "/src/main/java"), module + "/src excluded");
      assertTrue(ignore.excludes(module + "/target/classes"), module + "/target is sent");
    }
    assertFalse(ignore.excludes("pom.xml"));
    assertFalse(ignore.excludes("docker/llama-supervisor.sh"));
    assertTrue(ignore.excludes(".git/HEAD"));
    assertTrue(ignore.excludes("compose/.env"), "API keys must not reach the build context");
  }

  @Test
  void filesTheRuntimeStageCopiesFromTheBuildStageAreMadeThere() {
    String buildWorkdir = DOCKERFILE.all("WORKDIR").get(0).args();
    assertEquals("/src", buildWorkdir);
    String buildRuns =
        DOCKERFILE.all("RUN").stream()
            .filter(i -> i.stage() == 0)
            .map(i -> i.args())
            .collect(Collectors.joining("\n"));
    for (Dockerfile.Instruction copy : DOCKERFILE.runtime("COPY")) {
      if (!copy.args().startsWith("--from=build ")) {
        continue;
      }
      String source = copy.args().split("\\s+")[1];
      if (source.startsWith(buildWorkdir + "/")) {
        // a build output of the sources: DockerfileIT checks that mvn package makes it
        assertTrue(source.contains("/target/"), source);
      } else {
        assertTrue(buildRuns.contains("--output " + source), source + " is made by the build");
      }
    }
    assertNotEquals(List.of(), DOCKERFILE.runtime("COPY"));
  }

  static String text(String relative) {
    try {
      return Files.readString(Repo.file(relative));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
