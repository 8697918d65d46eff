package io.llamasupervisor.process;

import static io.llamasupervisor.process.ProcFsTest.fakeProcess;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessIdentityTest {

  @TempDir Path root;

  @Test
  void argvHashIsSha256OfTheNulJoinedArguments() {
    // printf 'a\0b' | sha256sum
    assertEquals(
        "59b271ae1bbcb1d31d41929817f4b16fb439eb4f31520b5ad1d5ce98920a7138",
        ProcessIdentity.argvHash(List.of("a", "b")));
    assertEquals(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ProcessIdentity.argvHash(List.of("")));
    assertEquals(
        "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb",
        ProcessIdentity.argvHash(List.of("a")));
    assertNotEquals(
        ProcessIdentity.argvHash(List.of("a b")), ProcessIdentity.argvHash(List.of("a", "b")));
  }

  @Test
  void capturedIdentityMatchesOnlyTheSameProcess() throws IOException {
    fakeProcess(root, 10, "llama-server", 'S', 10, 777, "llama-server", "--port", "39001");
    ProcFs proc = new ProcFs(root);
    ProcessIdentity id = ProcessIdentity.capture(proc, 10).orElseThrow();
    assertEquals(
        new ProcessIdentity(
            10, 777, ProcessIdentity.argvHash(List.of("llama-server", "--port", "39001"))),
        id);
    assertTrue(ProcessIdentity.isSameLiveProcess(proc, id));

    // same pid, later start time: the pid was reused
    fakeProcess(root, 10, "llama-server", 'S', 10, 778, "llama-server", "--port", "39001");
    assertFalse(ProcessIdentity.isSameLiveProcess(proc, id));

    // same pid and start time, other arguments
    fakeProcess(root, 10, "llama-server", 'S', 10, 777, "llama-server", "--port", "39002");
    assertFalse(ProcessIdentity.isSameLiveProcess(proc, id));

    // exited, waiting to be reaped
    fakeProcess(root, 10, "llama-server", 'Z', 10, 777);
    assertFalse(ProcessIdentity.isSameLiveProcess(proc, id));
    assertEquals(Optional.empty(), ProcessIdentity.capture(proc, 10));
    assertEquals(Optional.empty(), ProcessIdentity.capture(proc, 11));
  }

  @Test
  void anIdentityWithoutStartTimeNeverMatches() throws IOException {
    fakeProcess(root, 12, "x", 'S', 12, 0, "x");
    ProcFs proc = new ProcFs(root);
    assertFalse(
        ProcessIdentity.isSameLiveProcess(
            proc, new ProcessIdentity(12, -1, ProcessIdentity.argvHash(List.of("x")))));
  }
}
