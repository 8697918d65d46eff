package io.llamasupervisor.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcFsTest {

  @TempDir Path root;

  /** Writes a fake /proc/<pid> with a stat line and a cmdline. */
  static void fakeProcess(
      Path root, long pid, String comm, char state, long pgrp, long startTicks, String... argv)
      throws IOException {
    Path dir = Files.createDirectories(root.resolve(Long.toString(pid)));
    Files.writeString(
        dir.resolve("stat"),
        pid
            + " ("
            + comm
            + ") "
            + state
            + " 1 "
            + pgrp
            + " "
            + pgrp
            + " 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 "
            + startTicks
            + " 2215936 201 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n");
    Files.write(dir.resolve("cmdline"), argv.length == 0 ? new byte[0] : nulJoined(argv));
  }

  private static byte[] nulJoined(String... argv) {
    return (String.join("\0", argv) + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  @Test
  void parsesFieldsAfterACommandNameWithSpacesAndParentheses() {
    ProcFs.Stat s =
        ProcFs.parseStat(
            "4242 (my (odd) name) S 17 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654"
                + " 2215936 201");
    assertEquals(new ProcFs.Stat(4242, 'S', 17, 4242, 4242, 987654), s);
    assertFalse(s.isDead());
    assertTrue(ProcFs.parseStat("1 (z) Z 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 0 0 1 0 5").isDead());
  }

  @Test
  void rejectsGarbage() {
    assertThrows(IllegalArgumentException.class, () -> ProcFs.parseStat("no parentheses here"));
    assertThrows(IllegalArgumentException.class, () -> ProcFs.parseStat("1 (x) S 2 3"));
  }

  @Test
  void readsStatAndCmdlineAndToleratesMissingProcesses() throws IOException {
    fakeProcess(root, 100, "llama-server", 'S', 100, 5000, "llama-server", "-m", "a b.gguf");
    ProcFs proc = new ProcFs(root);
    assertEquals(5000, proc.stat(100).orElseThrow().startTicks());
    assertEquals(Optional.of(List.of("llama-server", "-m", "a b.gguf")), proc.cmdline(100));
    assertEquals(Optional.empty(), proc.stat(101));
    assertEquals(Optional.empty(), proc.cmdline(101));
    assertTrue(proc.isRunning(100));
    assertTrue(proc.isRunning(100, 5000));
    assertFalse(proc.isRunning(100, 5001));
    assertFalse(proc.isRunning(101));
  }

  @Test
  void zombiesAreNotRunning() throws IOException {
    fakeProcess(root, 200, "sleep", 'Z', 200, 1);
    ProcFs proc = new ProcFs(root);
    assertFalse(proc.isRunning(200));
    assertEquals(Optional.of(List.of()), proc.cmdline(200));
  }

  @Test
  void groupMembersAreTheRunningProcessesOfTheGroup() throws IOException {
    fakeProcess(root, 300, "bash", 'S', 300, 1, "bash");
    fakeProcess(root, 301, "sleep", 'S', 300, 2, "sleep", "9");
    fakeProcess(root, 302, "sleep", 'Z', 300, 3);
    fakeProcess(root, 303, "other", 'R', 303, 4, "other");
    Files.createDirectories(root.resolve("self"));
    Files.createDirectories(root.resolve("304")); // vanished between list and read
    List<Long> members =
        new ProcFs(root)
            .runningGroupMembers(300).stream()
                .map(ProcFs.Stat::pid)
                .sorted()
                .collect(Collectors.toList());
    assertEquals(List.of(300L, 301L), members);
  }
}
