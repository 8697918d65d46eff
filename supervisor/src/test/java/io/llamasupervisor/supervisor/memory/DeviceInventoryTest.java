package io.llamasupervisor.supervisor.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceInventoryTest {
  private static final long MIB = 1024L * 1024;
  private static final String MEMINFO =
      "MemTotal:       24683520 kB\nMemFree:          123456 kB\nMemAvailable:   20000000 kB\n";

  private static DeviceInventory inventory(DeviceInventory.CommandRunner runner, String meminfo) {
    return new DeviceInventory("llama-server", Duration.ofSeconds(1), runner, () -> meminfo);
  }

  /** What b10470's CPU-only build prints (captured). */
  @Test
  void aCpuOnlyBuildListsNoGpuAndTheCpuComesFromMeminfo() {
    DeviceInventory.Reading r =
        inventory((c, t) -> "Available devices:\n  (none)\n", MEMINFO).read();
    assertEquals(List.of(), r.problems());
    assertEquals(
        List.of(new Device("cpu", "system RAM", 24683520L * 1024, 20000000L * 1024)), r.devices());
    assertEquals(List.of(), r.gpus());
  }

  /** The format of common_print_available_devices, for every backend. */
  @Test
  void gpusOfEveryBackendAreParsed() {
    String out =
        "ggml_cuda_init: found 1 CUDA devices:\n"
            + "Available devices:\n"
            + "  CUDA0: NVIDIA GeForce RTX 4090 (24564 MiB, 20000 MiB free)\n"
            + "  ROCm0: AMD Radeon RX 7900 XTX (24560 MiB, 24000 MiB free)\n"
            + "  Vulkan0: NVIDIA GeForce RTX 3090 (Ti) (24576 MiB, 1 MiB free)\n"
            + "  MTL0: Apple M2 Max (49152 MiB, 49151 MiB free)\n";
    DeviceInventory.Reading r = inventory((c, t) -> out, MEMINFO).read();
    assertEquals(List.of(), r.problems());
    assertEquals(
        List.of(
            new Device("cuda0", "NVIDIA GeForce RTX 4090", 24564 * MIB, 20000 * MIB),
            new Device("rocm0", "AMD Radeon RX 7900 XTX", 24560 * MIB, 24000 * MIB),
            new Device("vulkan0", "NVIDIA GeForce RTX 3090 (Ti)", 24576 * MIB, MIB),
            new Device("mtl0", "Apple M2 Max", 49152 * MIB, 49151 * MIB)),
        r.gpus());
    assertEquals("cpu", r.devices().get(0).id());
  }

  @Test
  void badOutputIsReportedNotThrown() {
    DeviceInventory.Reading r =
        inventory(
                (c, t) ->
                    "Available devices:\n  CUDA0: broken line\n  CUDA1: ok (10 MiB, 5 MiB free)\n",
                MEMINFO)
            .read();
    assertEquals(List.of("cpu", "cuda1"), r.devices().stream().map(Device::id).toList());
    assertEquals(1, r.problems().size(), r.problems().toString());
    assertTrue(r.problems().get(0).contains("'CUDA0: broken line'"), r.problems().toString());
  }

  @Test
  void outputWithoutTheHeaderSaysSo() {
    List<String> problems = new ArrayList<>();
    assertEquals(
        List.of(), DeviceInventory.parseListDevices("error: invalid argument\n", problems));
    assertEquals(
        List.of(
            "--list-devices printed no 'Available devices:' line (got 'error: invalid argument'):"
                + " no GPU read"),
        problems);
  }

  @Test
  void aFailingBinaryAndAnUnreadableMeminfoAreProblemsNotCrashes() {
    DeviceInventory inv =
        new DeviceInventory(
            "/no/such/llama-server",
            Duration.ofSeconds(1),
            (c, t) -> {
              throw new IOException("no answer within 1000 ms (killed)");
            },
            () -> {
              throw new IOException("No such file");
            });
    DeviceInventory.Reading r = inv.read();
    assertEquals(List.of(), r.devices());
    assertEquals(
        List.of(
            "cannot read /proc/meminfo: No such file",
            "/no/such/llama-server --list-devices failed: no answer within 1000 ms (killed)"),
        r.problems());
  }

  /** With {@code LLAMA_SERVER_BIN}: the real binary and this host's /proc/meminfo. */
  @Test
  void theRealBinaryIsRead() {
    String bin = System.getenv("LLAMA_SERVER_BIN");
    org.junit.jupiter.api.Assumptions.assumeTrue(
        bin != null && !bin.isBlank(), "LLAMA_SERVER_BIN not set");
    DeviceInventory.Reading r = DeviceInventory.forHost(bin).read();
    assertEquals(List.of(), r.problems());
    assertEquals("cpu", r.devices().get(0).id());
    assertTrue(
        r.devices().get(0).totalBytes() > 0 && r.devices().get(0).freeBytes() > 0, r.toString());
  }

  @Test
  void meminfoWithoutMemAvailableIsNoDevice() {
    assertTrue(DeviceInventory.parseMemInfo("MemTotal: 100 kB\n").isEmpty());
  }

  /** The real subprocess path: a command that does not answer in time is killed. */
  @Test
  void aHangingCommandTimesOut() {
    IOException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IOException.class,
            () -> DeviceInventory.runProcess(List.of("sleep", "30"), Duration.ofMillis(200)));
    assertEquals("no answer within 200 ms (killed)", e.getMessage());
  }

  @Test
  void aCommandThatFailsReportsItsStatusAndLastErrorLine() {
    IOException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IOException.class,
            () ->
                DeviceInventory.runProcess(
                    List.of("sh", "-c", "echo first >&2; echo 'error: boom' >&2; exit 3"),
                    Duration.ofSeconds(5)));
    assertEquals("exit status 3: error: boom", e.getMessage());
  }
}
