package io.llamasupervisor.supervisor.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CpuTopologyTest {

  private static List<String> cpu(int processor, int physicalId, int coreId) {
    return List.of(
        "processor\t: " + processor,
        "model name\t: Test CPU",
        "physical id\t: " + physicalId,
        "core id\t\t: " + coreId,
        "");
  }

  @Test
  void hyperThreadsAreCountedOnce() {
    List<String> lines = new ArrayList<>();
    lines.addAll(cpu(0, 0, 0));
    lines.addAll(cpu(1, 0, 1));
    lines.addAll(cpu(2, 0, 0));
    lines.addAll(cpu(3, 0, 1));
    assertEquals(2, CpuTopology.physicalCores(lines, 99));
  }

  @Test
  void sameCoreIdOnTwoSocketsIsTwoCores() {
    List<String> lines = new ArrayList<>();
    lines.addAll(cpu(0, 0, 0));
    lines.addAll(cpu(1, 1, 0));
    assertEquals(2, CpuTopology.physicalCores(lines, 99));
  }

  @Test
  void noTopologyLinesFallsBack() {
    assertEquals(3, CpuTopology.physicalCores(List.of("processor : 0", "", "processor : 1"), 3));
    assertEquals(5, CpuTopology.physicalCores(Path.of("/does/not/exist/cpuinfo"), 5));
  }
}
