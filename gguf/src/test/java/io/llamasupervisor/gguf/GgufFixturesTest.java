package io.llamasupervisor.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.llamasupervisor.gguf.testing.GgufFixtures;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The one copy of the fixtures is what its manifest says, file by file. */
class GgufFixturesTest {
  @Test
  void everyFixtureHasTheSha256OfTheManifest() throws NoSuchAlgorithmException {
    Map<String, String> manifest = GgufFixtures.sha256();
    for (var e : manifest.entrySet()) {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(GgufFixtures.bytes(e.getKey()));
      assertEquals(e.getValue(), HexFormat.of().formatHex(digest), e.getKey());
    }
  }

  @Test
  void everyFixtureFileIsInTheManifest() throws IOException, URISyntaxException {
    Path folder =
        Path.of(
            Objects.requireNonNull(GgufFixturesTest.class.getResource(GgufFixtures.FOLDER))
                .toURI());
    Set<String> files;
    try (Stream<Path> s = Files.list(folder)) {
      files =
          s.map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".gguf"))
              .collect(Collectors.toCollection(TreeSet::new));
    }
    assertEquals(files, new TreeSet<>(GgufFixtures.sha256().keySet()));
  }
}
