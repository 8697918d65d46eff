package io.llamasupervisor.app.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every compose file, in every combination {@code compose/README.md} documents, is valid for {@code
 * docker-compose config -q} (Debian package {@code docker-compose}); without the env file the stack
 * refuses to start for want of an API key.
 */
class ComposeConfigIT {
  private static final Path COMPOSE = Repo.file("compose");

  /** The {@code -f} lists of every {@code docker compose ... up} command in the README. */
  static Set<List<String>> documentedCombinations() throws Exception {
    String readme = Files.readString(COMPOSE.resolve("README.md"));
    Matcher command = Pattern.compile("docker compose((?: -f \\S+)*) up -d").matcher(readme);
    Set<List<String>> combinations = new LinkedHashSet<>();
    while (command.find()) {
      List<String> files = new ArrayList<>();
      Matcher f = Pattern.compile("-f (\\S+)").matcher(command.group(1));
      while (f.find()) {
        files.add(f.group(1));
      }
      combinations.add(files.isEmpty() ? List.of("compose.yaml") : files);
    }
    return combinations;
  }

  private Tools.Result config(List<String> files, String envFile) throws Exception {
    Path compose = Tools.require("docker-compose", "docker-compose");
    List<String> command = new ArrayList<>(List.of(compose.toString()));
    if (envFile != null) {
      command.addAll(List.of("--env-file", envFile));
    }
    for (String f : files) {
      command.addAll(List.of("-f", f));
    }
    command.addAll(List.of("config", "-q"));
    return Tools.run(COMPOSE, Map.of(), 120, command);
  }

  @Test
  void everyDocumentedCombinationIsValid() throws Exception {
    Set<List<String>> combinations = documentedCombinations();
    assertTrue(combinations.contains(List.of("compose.yaml")), combinations.toString());
    assertTrue(
        combinations.contains(List.of("compose.yaml", "compose.observability.yaml")),
        combinations.toString());
    for (String file :
        List.of("compose.cuda.yaml", "compose.observability.yaml", "compose.litellm.yaml")) {
      assertTrue(combinations.stream().anyMatch(c -> c.contains(file)), file + " has its command");
    }
    for (List<String> files : combinations) {
      Tools.Result r = config(files, ".env.example");
      assertEquals(0, r.exitCode(), files + ":\n" + r.both());
    }
  }

  @Test
  void withoutAnAdminKeyComposeRefusesTheStack(@TempDir Path dir) throws Exception {
    Path empty = Files.createFile(dir.resolve("empty.env"));
    Tools.Result r = config(List.of("compose.yaml"), empty.toString());
    assertNotEquals(0, r.exitCode(), r.both());
    assertTrue(r.both().contains("set SUPERVISOR_API_KEY_ADMIN in .env"), r.both());
  }
}
