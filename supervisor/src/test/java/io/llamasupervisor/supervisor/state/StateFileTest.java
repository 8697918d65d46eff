package io.llamasupervisor.supervisor.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateFileTest {
  @TempDir Path dir;

  @Test
  void roundTripsAndLeavesNoTempFile() throws IOException {
    StateFile f = new StateFile(dir.resolve("sub/state.json"));
    assertEquals(List.of(), f.read());
    var r = new InstanceRecord("a/b", 3, 1234, 99887766, "abc", 39001, "h", "/x.log", true);
    f.write(List.of(r));
    assertEquals(List.of(r), f.read());
    f.write(List.of());
    assertEquals(List.of(), f.read());
    assertFalse(Files.exists(dir.resolve("sub/state.json.tmp")));
  }

  @Test
  void corruptFileReadsAsEmpty() throws IOException {
    Files.writeString(dir.resolve("state.json"), "{not json");
    assertEquals(List.of(), new StateFile(dir.resolve("state.json")).read());
  }
}
