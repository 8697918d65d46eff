package io.llamasupervisor.supervisor.supervise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlamaServerBinaryTest {
  @TempDir Path dir;

  private Path executable(String name) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, "#!/bin/sh\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    return p;
  }

  @Test
  void optionWinsOverEnvironmentAndPath() throws IOException {
    Path opt = executable("mine");
    Path env = executable("env-bin");
    var b =
        LlamaServerBinary.resolve(
            opt.toString(), Map.of("LLAMA_SERVER_BIN", env.toString(), "PATH", dir.toString()));
    assertEquals(opt, b.path().orElseThrow());
  }

  @Test
  void environmentThenPath() throws IOException {
    Path env = executable("env-bin");
    Path onPath = executable("llama-server");
    assertEquals(
        env,
        LlamaServerBinary.resolve(null, Map.of("LLAMA_SERVER_BIN", env.toString()))
            .path()
            .orElseThrow());
    assertEquals(
        onPath,
        LlamaServerBinary.resolve(null, Map.of("PATH", "/nonexistent:" + dir))
            .path()
            .orElseThrow());
  }

  @Test
  void aNameIsLookedUpOnPath() throws IOException {
    Path named = executable("llama-server-cuda");
    assertEquals(
        named,
        LlamaServerBinary.resolve("llama-server-cuda", Map.of("PATH", dir.toString()))
            .path()
            .orElseThrow());
  }

  @Test
  void notFoundExplainsHowToInstall() {
    var b = LlamaServerBinary.resolve(null, Map.of("PATH", dir.toString()));
    assertFalse(b.found());
    assertTrue(b.notFoundMessage().contains("ghcr.io/ggml-org/llama.cpp:server"));
    assertTrue(b.notFoundMessage().contains("LLAMA_SERVER_BIN"));
  }

  @Test
  void signatureChangesWithTheModificationTime() throws IOException {
    Path p = executable("llama-server");
    var b = LlamaServerBinary.resolve(p.toString(), Map.of());
    String before = b.signature();
    Files.setLastModifiedTime(
        p, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 10_000));
    assertTrue(!before.equals(b.signature()));
  }
}
