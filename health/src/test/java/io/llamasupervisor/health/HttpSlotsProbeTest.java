package io.llamasupervisor.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** Slot usage parsing against the real server's bodies. */
class HttpSlotsProbeTest {
  private static final String LOADED = "endpoints.json";

  @Test
  void idleSlotsFromTheRealCapture() {
    SlotsResult.Known k =
        assertInstanceOf(
            SlotsResult.Known.class,
            HttpSlotsProbe.parseSlots(Captures.body(LOADED, "GET /slots (idle)")));
    assertEquals(0, k.busySlots());
    assertEquals(OptionalInt.of(2), k.totalSlots());
    assertEquals(SlotsResult.Source.SLOTS, k.source());
    assertTrue(k.idle());
    assertEquals("0 of 2 slots busy (from /slots)", k.message());
    assertEquals(ProbeReason.OK, k.reason());
  }

  @Test
  void usedSlotsWithAllTheirExtraFieldsFromTheRealCapture() {
    String body = Captures.body(LOADED, "GET /slots (after requests)");
    assertTrue(body.contains("\"params\""), "the capture has nested extra fields");
    SlotsResult.Known idle = (SlotsResult.Known) HttpSlotsProbe.parseSlots(body);
    assertEquals(0, idle.busySlots());
    assertEquals(OptionalInt.of(2), idle.totalSlots());

    String oneBusy = body.replaceFirst("\"is_processing\":false", "\"is_processing\":true");
    SlotsResult.Known busy = (SlotsResult.Known) HttpSlotsProbe.parseSlots(oneBusy);
    assertEquals(1, busy.busySlots());
    assertEquals("1 of 2 slots busy (from /slots)", busy.message());
  }

  @Test
  void olderNumericStateIsUnderstood() {
    SlotsResult r = HttpSlotsProbe.parseSlots("[{\"id\":0,\"state\":1},{\"id\":1,\"state\":0}]");
    assertEquals(1, ((SlotsResult.Known) r).busySlots());
  }

  @Test
  void malformedSlotsBodiesAreBadResponses() {
    for (String body :
        new String[] {
          "not json", "{\"slots\":[]}", "[1,2]", "[{\"id\":0}]", "[{\"is_processing\":\"yes\"}]"
        }) {
      SlotsResult r = HttpSlotsProbe.parseSlots(body);
      assertEquals(ProbeReason.BAD_RESPONSE, r.reason(), body);
      assertInstanceOf(SlotsResult.Unavailable.class, r);
    }
  }

  @Test
  void metricsFallbackReadsRequestsProcessingFromTheRealCapture() {
    String metrics = Captures.text("metrics.txt");
    SlotsResult.Known k =
        (SlotsResult.Known) HttpSlotsProbe.parseMetrics(metrics, OptionalInt.of(2));
    assertEquals(0, k.busySlots());
    assertEquals(SlotsResult.Source.METRICS, k.source());
    assertEquals("0 of 2 slots busy (from /metrics)", k.message());

    String busy =
        metrics.replace("llamacpp:requests_processing 0", "llamacpp:requests_processing 2");
    assertEquals(
        2,
        ((SlotsResult.Known) HttpSlotsProbe.parseMetrics(busy, OptionalInt.empty())).busySlots());
    assertEquals(
        "2 slots busy (from /metrics)",
        HttpSlotsProbe.parseMetrics(busy, OptionalInt.empty()).message());
  }

  @Test
  void metricsWithoutTheGaugeAreABadResponse() {
    SlotsResult r = HttpSlotsProbe.parseMetrics("# nothing here\nfoo 1\n", OptionalInt.empty());
    assertEquals(ProbeReason.BAD_RESPONSE, r.reason());
    assertEquals("/metrics has no llamacpp:requests_processing", r.message());
  }

  @Test
  void totalSlotsFromTheRealPropsCapture() {
    assertEquals(OptionalInt.of(2), HttpSlotsProbe.parseTotalSlots(Captures.text("props.json")));
    assertEquals(OptionalInt.empty(), HttpSlotsProbe.parseTotalSlots("{\"total_slots\":\"x\"}"));
    assertEquals(OptionalInt.empty(), HttpSlotsProbe.parseTotalSlots("garbage"));
  }
}
