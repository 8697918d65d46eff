package io.llamasupervisor.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.llamasupervisor.gguf.testing.GgufWriter;
import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.ModelRoute;
import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.testkit.FakeServerProcess;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official OpenAI npm SDK ({@code openai}, pinned in {@code src/test/sdk/package.json}) runs
 * {@code responses.create} with {@code previous_response_id}, streaming, retrieve and delete
 * against the gateway. Needs {@code node} and {@code npm} on the PATH (skipped otherwise); the
 * packages come from {@code npm ci}.
 */
class ConversationSdkIT {
  private static final Path SDK = Path.of("src/test/sdk").toAbsolutePath();

  @TempDir Path dir;

  @Test
  void openAiSdkContinuesAConversationWithPreviousResponseId() throws Exception {
    assumeTrue(onPath("node") && onPath("npm"), "node and npm are needed");
    if (!Files.isDirectory(SDK.resolve("node_modules/openai"))) {
      assertEquals(0, run(List.of("npm", "ci", "--no-audit", "--no-fund"), null), "npm ci");
    }
    String m = GgufWriter.llama(2048, 128, 4, 2, 2).write(dir.resolve("tiny.gguf")).toString();
    try (FakeServerProcess fake =
            FakeServerProcess.start(List.of("-m", m, "-c", "2048", "-np", "2", "--alias", "chat"));
        RoutingRegistry registry = new RoutingRegistry(Clock.systemUTC())) {
      fake.awaitHealthy(Duration.ofSeconds(30));
      BackendRoute b = Tables.ready(fake.port(), 1, 2);
      registry.update(r -> r.put(new ModelRoute("pub/chat.gguf", "chat", "ready", List.of(b))));
      try (GatewayServer gw =
          new GatewayServer(
                  GatewayOptions.builder().port(0).build(),
                  registry::subscribe,
                  ModelDirectory.NONE,
                  ModelStarter.NONE,
                  new SimpleMeterRegistry())
              .start()) {
        Path log = dir.resolve("node.log");
        int code =
            run(List.of("node", "conversation.test.mjs"), "http://127.0.0.1:" + gw.port(), log);
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, code, output);
        assertTrue(output.contains("[conversation-sdk] PASS"), output);
      }
    }
  }

  private int run(List<String> command, String baseUrl) throws Exception {
    return run(command, baseUrl, dir.resolve("npm.log"));
  }

  private static int run(List<String> command, String baseUrl, Path log) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .directory(SDK.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    if (baseUrl != null) {
      pb.environment().put("BASE_URL", baseUrl);
      pb.environment().put("MODEL", "chat");
    }
    Process p = pb.start();
    if (!p.waitFor(3, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      return -1;
    }
    return p.exitValue();
  }

  private static boolean onPath(String exe) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(d, exe))) {
        return true;
      }
    }
    return false;
  }
}
