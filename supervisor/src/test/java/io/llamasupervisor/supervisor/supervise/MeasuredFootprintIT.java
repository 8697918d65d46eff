package io.llamasupervisor.supervisor.supervise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.supervisor.memory.MeasuredFootprint;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** After each load the buffers the instance logged at -lv 4 become the model's footprint. */
class MeasuredFootprintIT extends FleetHarness.PerTest {
  @Test
  void aReadyModelCarriesTheFootprintItsServerLogged() throws Exception {
    h.model("pub/repo/a");
    h.model("pub/repo/quiet");
    // an -lv in extra-args comes after the plan's and wins: that server logs no buffer sizes
    h.start("supervisor.models.\"pub/repo/quiet\".extra-args=[-lv, '3']");
    ModelStatus a = h.awaitState("pub/repo/a", "ready", Duration.ofSeconds(60));
    MeasuredFootprint m = a.memory().measured();
    assertTrue(m != null, "measured after the load: " + a);
    assertEquals(java.util.List.of("cpu"), java.util.List.copyOf(m.devices().keySet()));
    long estimated = a.plan().memory().totalBytes();
    // the fake logs the estimate's own figures, rounded to 0.01 MiB per line
    assertTrue(Math.abs(m.totalBytes() - estimated) <= 4 * 5243, m + " vs " + estimated);
    assertEquals(a.plan().memory().kvBytes(), m.sum().kvBytes(), 5243.0);

    ModelStatus quiet = h.awaitState("pub/repo/quiet", "ready", Duration.ofSeconds(60));
    assertNull(quiet.memory().measured(), "nothing logged, nothing measured: " + quiet);
  }
}
