package io.llamasupervisor.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Lines render exactly like llama.cpp's common/log.cpp output recorded from b10470. */
class LogLineTest {
  @Test
  void moduleLinesRightAlignTheFunctionInTwelveColumns() {
    assertEquals(
        "0.00.011.847 I srv  llama_server: listening on http://127.0.0.1:18101",
        LogLine.info("srv", "llama_server", "listening on http://127.0.0.1:18101").render(11_847));
    assertEquals(
        "0.00.003.412 I srv    load_model: loading model 'MODELS/tiny-llama-f16.gguf'",
        LogLine.info("srv", "load_model", "loading model 'MODELS/tiny-llama-f16.gguf'")
            .render(3_412));
    assertEquals(
        "0.00.008.949 I cmn          init: llama threadpool init, n_threads = 2",
        LogLine.info("cmn", "init", "llama threadpool init, n_threads = 2").render(8_949));
  }

  @Test
  void longFunctionNamesAreCutAtTwelve() {
    assertEquals(
        "0.00.030.593 I slot get_availabl: id  3 | task -1 | selected slot by LRU, t_last = -1",
        LogLine.info(
                "slot", "get_available_slot", "id  3 | task -1 | selected slot by LRU, t_last = -1")
            .render(30_593));
  }

  @Test
  void linesWithoutModuleAndRawLines() {
    assertEquals(
        "0.00.005.477 E gguf_init_from_reader: failed to read header",
        LogLine.error(null, "gguf_init_from_reader", "failed to read header").render(5_477));
    assertEquals(
        "error: invalid argument: --foo", LogLine.raw("error: invalid argument: --foo").render(9));
  }

  @Test
  void timestampIsMinutesSecondsMillisMicrosSinceStart() {
    assertEquals("0.17.034.352", LogLine.timestamp(17_034_352));
    assertEquals("2.05.000.001", LogLine.timestamp(125_000_001));
  }
}
