package io.llamasupervisor.api;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the browser test finds node, Chromium and {@code playwright-core} ({@code .ci/run} installs
 * them: {@code apt-get install chromium}, {@code npm ci} in {@code src/test/ui}). A missing tool
 * skips the test on a developer machine and fails it when {@code CI=true}.
 */
final class BrowserTools {
  static final Path UI_TEST_DIR = Path.of("src/test/ui");

  private BrowserTools() {}

  static Path chromium() {
    return require(
        Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium")),
        "Chromium (apt-get install -y chromium, or set CHROMIUM)");
  }

  static Path node() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, "node");
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return require(Path.of("/usr/bin/node"), "node (apt-get install -y nodejs npm)");
  }

  static Path playwright() {
    return require(
        UI_TEST_DIR.resolve("node_modules/playwright-core/package.json"),
        "playwright-core (npm ci --prefix control-api/src/test/ui)");
  }

  private static Path require(Path p, String what) {
    if (Files.exists(p)) {
      return p;
    }
    String message = "missing " + what + ": " + p + " not found";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail(message + " (CI=true: the browser test must run)");
    }
    assumeTrue(false, message + "; browser test skipped");
    return p;
  }
}
