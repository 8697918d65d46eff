package io.llamasupervisor.supervisor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.supervisor.launch.LaunchSettings;
import io.llamasupervisor.supervisor.memory.MemorySettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MemoryConfigTest {
  private final ConfigLoader loader = new ConfigLoader();

  private MemorySettings bind(String... overrides) {
    return MemoryConfig.of(loader.load(null, List.of(overrides)));
  }

  private String error(String... overrides) {
    return assertThrows(ConfigException.class, () -> loader.load(null, List.of(overrides)))
        .getMessage();
  }

  @Test
  void defaultsAreAutoWithAGibOfMarginAndThirtySecondsOfResidency() {
    MemorySettings s = bind();
    assertEquals(MemorySettings.defaults(), s);
    assertTrue(s.autoBudget());
    assertEquals(List.of(), s.devices());
    assertEquals(1L << 30, s.marginBytes());
    assertEquals(457L << 20, s.processOverhead("cuda0"));
    assertEquals(0, s.processOverhead("cpu"));
    assertEquals(Duration.ofSeconds(30), s.minResidency());
  }

  @Test
  void oneSizeIsTheCpuBudgetAndPlainBytesWork() {
    assertEquals(Map.of("cpu", 48L << 30), bind("supervisor.memory.budget=48GiB").budget());
    assertEquals(Map.of("cpu", 123456L), bind("supervisor.memory.budget=123456").budget());
    assertEquals(
        Map.of("cuda0", 22L << 30),
        bind("supervisor.memory.devices=cuda0", "supervisor.memory.budget=22GiB").budget());
  }

  @Test
  void aBudgetPerDeviceAndEveryOtherKeyBind() {
    MemorySettings s =
        bind(
            "supervisor.memory.devices=cuda0 cpu",
            "supervisor.memory.budget.cuda0=22GiB",
            "supervisor.memory.budget.cpu=32GiB",
            "supervisor.memory.margin=512MiB",
            "supervisor.memory.process-overhead=300MiB",
            "supervisor.memory.min-residency=5s");
    assertEquals(List.of("cuda0", "cpu"), s.devices());
    assertEquals(Map.of("cuda0", 22L << 30, "cpu", 32L << 30), s.budget());
    assertEquals(512L << 20, s.marginBytes());
    assertEquals(300L << 20, s.processOverhead("cuda0"));
    assertEquals(0, s.processOverhead("cpu"));
    assertEquals(Duration.ofSeconds(5), s.minResidency());
    assertFalse(bind("supervisor.memory.budget=auto").budget().size() > 0);
  }

  @Test
  void pinnedAndPriorityArePerModelKeys() {
    SupervisorConfig c =
        loader.load(
            null,
            List.of(
                "supervisor.defaults.priority=1",
                "supervisor.models.\"pub/**\".pinned=true",
                "supervisor.models.\"pub/**\".priority=7"));
    LaunchSettings pub = c.launch().settingsFor("pub/repo/m");
    assertTrue(pub.pinned());
    assertEquals(7, pub.priority());
    LaunchSettings other = c.launch().settingsFor("other/m");
    assertFalse(other.pinned());
    assertEquals(1, other.priority());
  }

  @Test
  void everyBadValueNamesItsKeyAndWhatIsAllowed() {
    assertTrue(
        error("supervisor.memory.budget=lots")
            .contains("supervisor.memory.budget: 'lots' is invalid; expected a size"),
        error("supervisor.memory.budget=lots"));
    assertTrue(error("supervisor.memory.margin=-1").contains("supervisor.memory.margin"));
    assertTrue(
        error("supervisor.memory.min-residency=soon").contains("supervisor.memory.min-residency"));
    assertTrue(
        error("supervisor.memory.process-overhead=big")
            .contains("supervisor.memory.process-overhead"));
    assertTrue(
        error("supervisor.memory.devices=CUDA 0").contains("is not a device id"),
        error("supervisor.memory.devices=CUDA 0"));
    assertTrue(
        error("supervisor.memory.devices=cuda0", "supervisor.memory.budget.cuda1=8GiB")
            .contains("supervisor.memory.budget.cuda1: device cuda1 is not in"));
    assertTrue(
        error("supervisor.memory.devices=cuda0 cuda1", "supervisor.memory.budget=8GiB")
            .contains("ambiguous"));
    assertTrue(
        error("supervisor.memory.budgett=8GiB").contains("did you mean budget?"),
        error("supervisor.memory.budgett=8GiB"));
    assertTrue(error("supervisor.defaults.priority=high").contains("supervisor.defaults.priority"));
    assertTrue(error("supervisor.defaults.pinned=maybe").contains("expected true or false"));
  }

  @Test
  void theOldMemoryBudgetKeyNamesTheNewOne() {
    String e = error("supervisor.supervision.memory-budget=24GiB");
    assertTrue(
        e.contains("supervisor.supervision.memory-budget")
            && e.contains("use supervisor.memory.budget"),
        e);
  }

  @Test
  void serveCarriesTheMemorySettings() {
    SupervisorConfig c = loader.load(null, List.of("supervisor.memory.budget=2GiB"));
    ServeConfig serve = ServeConfig.of(c, Path.of("state"));
    assertEquals(Map.of("cpu", 2L << 30), serve.supervision().memory().budget());
    assertNull(serve.supervision().memory().processOverheadBytes());
  }

  /** Regression: a budget naming a device the host does not have was accepted silently. */
  @Test
  void aBudgetDeviceMustExistOnTheHostWhenItsDevicesWereListed() {
    io.llamasupervisor.supervisor.memory.Device cpu =
        new io.llamasupervisor.supervisor.memory.Device("cpu", "system RAM", 8L << 30, 4L << 30);
    io.llamasupervisor.supervisor.memory.Device cuda0 =
        new io.llamasupervisor.supervisor.memory.Device("cuda0", "RTX", 24L << 30, 20L << 30);
    var cpuOnly =
        new io.llamasupervisor.supervisor.memory.DeviceInventory.Reading(List.of(cpu), List.of());
    MemorySettings gpu9 = bind("supervisor.memory.budget.gpu9=2GiB");

    ConfigException e =
        assertThrows(
            ConfigException.class, () -> MemoryConfig.checkBudgetDevices(gpu9, cpuOnly, true));
    assertEquals("supervisor.memory.budget.gpu9", e.key());
    assertTrue(e.getMessage().contains("device gpu9 does not exist on this host"), e.getMessage());
    assertTrue(e.getMessage().contains("its devices: cpu;"), e.getMessage());

    MemorySettings both =
        bind("supervisor.memory.budget.cuda0=2GiB", "supervisor.memory.budget.cpu=1GiB");
    var withGpu =
        new io.llamasupervisor.supervisor.memory.DeviceInventory.Reading(
            List.of(cpu, cuda0), List.of());
    assertEquals(List.of(), MemoryConfig.checkBudgetDevices(both, withGpu, true));
    assertEquals(
        List.of("cuda0"),
        MemoryConfig.checkBudgetDevices(both, cpuOnly, false),
        "without a llama-server the GPUs are unknown: not refused, reported");
    assertEquals(
        List.of("gpu9"),
        MemoryConfig.checkBudgetDevices(
            gpu9,
            new io.llamasupervisor.supervisor.memory.DeviceInventory.Reading(
                List.of(cpu), List.of("llama-server --list-devices failed: exit status 1")),
            true));
  }
}
