package io.llamasupervisor.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.supervisor.supervise.FleetHarness;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard in a real browser: headless Chromium driven by Playwright ({@code
 * src/test/ui/dashboard.test.mjs}) against the real API over a real supervisor with fake
 * llama-servers. The script enters an operate key, sees the model ready, restarts it through the
 * confirmation dialog (202), sees the generation go up together with the routing-table version,
 * sees the new generation's load progress (elapsed of the startup deadline) and its log lines
 * arrive in the live tail, and checks that a read-only key gets no buttons. The screenshot is
 * {@code target/dashboard.png}.
 */
class DashboardBrowserIT {
  static final String ID = "pub/repo/tiny-chat";
  static final String OPERATE_KEY = "ops-key-0123456789abcdef";
  static final String READ_KEY = "viewer-key-0123456789abc";

  @TempDir Path dir;
  FleetHarness h;
  ApiServer api;

  @AfterEach
  void tearDown() {
    if (api != null) {
      api.close();
    }
    if (h != null) {
      h.close();
    }
  }

  @Test
  void restartFromTheDashboardSwapsGenerationsLive() throws Exception {
    Path chromium = BrowserTools.chromium();
    Path node = BrowserTools.node();
    BrowserTools.playwright();
    h = new FleetHarness(dir);
    h.model(ID);
    h.start("supervisor.models.\"**\".env.FAKE_LLAMA_LOAD_MS=3000");
    api =
        ApiServer.start(
            h.fleet,
            h.routes,
            ApiSettings.defaults()
                .withPort(0)
                .withKeys(
                    List.of(
                        ApiKey.plain("ops", ApiRole.OPERATE, OPERATE_KEY),
                        ApiKey.plain("viewer", ApiRole.READ, READ_KEY))),
            Map.of());
    Path screenshot = Path.of("target/dashboard.png").toAbsolutePath();
    Files.deleteIfExists(screenshot);
    ProcessBuilder pb =
        new ProcessBuilder(node.toString(), "dashboard.test.mjs")
            .directory(BrowserTools.UI_TEST_DIR.toFile())
            .redirectErrorStream(true);
    pb.environment()
        .putAll(
            Map.of(
                "BASE_URL",
                api.uri().toString(),
                "MODEL",
                ID,
                "OPERATE_KEY",
                OPERATE_KEY,
                "READ_KEY",
                READ_KEY,
                "SCREENSHOT",
                screenshot.toString(),
                "CHROMIUM",
                chromium.toString()));
    Process p = pb.start();
    String output = readAll(p, Duration.ofMinutes(3));
    System.out.println(output);
    assertEquals(0, p.exitValue(), output);
    assertTrue(output.contains("[dashboard-test] PASS"), output);
    assertTrue(Files.size(screenshot) > 10_000, "screenshot " + screenshot);
    assertTrue(h.status(ID).instances().stream().allMatch(i -> i.generation() >= 2));
  }

  private static String readAll(Process p, Duration timeout)
      throws IOException, InterruptedException {
    StringBuilder out = new StringBuilder();
    Thread reader =
        new Thread(
            () -> {
              try {
                out.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
              } catch (IOException e) {
                out.append("(output lost: ").append(e).append(')');
              }
            });
    reader.start();
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor();
    }
    reader.join(5_000);
    synchronized (out) {
      return out.toString();
    }
  }
}
