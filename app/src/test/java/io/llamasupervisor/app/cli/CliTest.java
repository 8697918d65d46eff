package io.llamasupervisor.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The command line as a user meets it: help, unknown commands, shared conventions. */
class CliTest {
  private final Output cli = new Output();

  @Test
  void helpListsEveryCommand() {
    assertEquals(0, cli.run("--help"));
    for (String c : List.of("serve", "inspect", "plan", "status", "health", "bench")) {
      assertTrue(cli.out().contains(c), cli.out());
    }
  }

  @Test
  void noCommandPrintsTheUsageAndExitsOne() {
    assertEquals(1, cli.run());
    assertTrue(cli.err().contains("COMMAND"), cli.err());
  }

  @Test
  void anUnknownCommandSuggestsTheClosestOne() {
    assertEquals(1, cli.run("stauts"));
    assertTrue(cli.err().contains("status"), cli.err());
  }

  @Test
  void everyCommandHasHelp() {
    for (String c : List.of("serve", "inspect", "plan", "status", "health", "bench")) {
      assertEquals(0, cli.run(c, "--help"), c);
      assertTrue(cli.out().contains("Usage: llama-supervisor " + c), cli.out());
    }
    assertEquals(0, cli.run("help", "serve"));
    assertTrue(cli.out().contains("--keep-instances-on-exit"), cli.out());
  }

  @Test
  void serveHelpNamesTheEnvironmentVariablesItReads() {
    cli.run("serve", "--help");
    assertTrue(cli.out().contains("SUPERVISOR_MODELS_DIR"), cli.out());
    assertTrue(cli.out().contains("LLAMA_SERVER_BIN"), cli.out());
  }

  @Test
  void statusTakesTheUrlInBothForms() throws Exception {
    try (TinyApi api = new TinyApi()) {
      api.answer("/api/v1/models", 200, "[{\"id\":\"a\",\"state\":\"ready\",\"restarts\":0}]");

      assertEquals(0, cli.run("status", "--url=" + api.url()), cli.err());
      assertTrue(cli.out().contains("a "), cli.out());
      assertEquals(0, cli.run("status", "--url", api.url(), "--json"), cli.err());
      assertTrue(cli.out().startsWith("[{\"id\":\"a\""), cli.out());
    }
  }

  @Test
  void statusExitsTwoWhenAModelIsNotReadyAndOneWhenUnreachable() throws Exception {
    String url;
    try (TinyApi api = new TinyApi()) {
      url = api.url();
      api.answer("/api/v1/models", 200, "[{\"id\":\"a\",\"state\":\"backoff\"}]");
      assertEquals(2, cli.run("status", "--url", url));
    }
    assertEquals(1, cli.run("status", "--url", url));
    assertTrue(cli.err().contains("cannot reach the supervisor"), cli.err());
  }

  /**
   * Regression: {@code status} exited 2 for a fleet whose on-demand model is idle by design (never
   * started, reason ON_DEMAND) while {@code health --ready} exited 0 for it.
   */
  @Test
  void statusAgreesWithHealthReadyThatAnIdleOnDemandModelIsFine() throws Exception {
    try (TinyApi api = new TinyApi()) {
      api.answer("/health", 200, "{\"status\":\"UP\"}")
          .answer(
              "/api/v1/models",
              200,
              "[{\"id\":\"a\",\"state\":\"ready\",\"startMode\":\"always\"},"
                  + "{\"id\":\"d\",\"state\":\"idle\",\"startMode\":\"on-demand\","
                  + "\"lastDecision\":{\"code\":\"ON_DEMAND\",\"message\":\"waits\"}},"
                  + "{\"id\":\"s\",\"state\":\"stopping\",\"startMode\":\"always\"},"
                  // regression: an always-started model its ttl stopped made the fleet unready
                  + "{\"id\":\"t\",\"state\":\"idle\",\"startMode\":\"always\","
                  + "\"lastDecision\":{\"code\":\"IDLE_TTL\",\"message\":\"idle 10m\"}}]");

      assertEquals(0, cli.run("health", "--url", api.url(), "--ready"), cli.err());
      assertEquals(0, cli.run("status", "--url", api.url()), cli.err());

      api.answer(
          "/api/v1/models",
          200,
          "[{\"id\":\"a\",\"state\":\"ready\",\"startMode\":\"always\"},"
              + "{\"id\":\"b\",\"state\":\"starting\",\"startMode\":\"always\"}]");
      assertEquals(1, cli.run("health", "--url", api.url(), "--ready"));
      assertEquals(2, cli.run("status", "--url", api.url()));
    }
  }

  @Test
  void inspectNeedsAFileAndRefusesUnknownOptions() {
    assertEquals(1, cli.run("inspect"));
    assertTrue(cli.err().contains("FILE"), cli.err());
    assertEquals(1, cli.run("inspect", "--frobnicate", "x.gguf"));
    assertTrue(cli.err().contains("--frobnicate"), cli.err());
  }

  @Test
  void aRejectedFileExitsTwo() {
    assertEquals(2, cli.run("inspect", "does-not-exist.gguf"));
    assertTrue(cli.out().contains("rejected"), cli.out());
  }

  /**
   * Regression: serve printed {@code serve: java.io.IOException: gateway cannot listen on
   * 127.0.0.1:8080: bind(..) failed with error(-98): Address already in use} for a taken port.
   */
  @Test
  void serveStartupProblemsReadWithoutExceptionClassNames() {
    RuntimeException gateway =
        new java.io.UncheckedIOException(
            new java.io.IOException(
                "gateway cannot listen on 127.0.0.1:8080: bind(..) failed with error(-98): Address"
                    + " already in use"));
    assertEquals(
        "gateway cannot listen on 127.0.0.1:8080: address already in use",
        ServeCommand.startupProblem(gateway));
  }

  @Test
  void serveNamesAMissingConfigFileInWords() {
    assertEquals(
        1,
        cli.run("serve", "--models-dir", "/tmp", "--config", "/tmp/llama-supervisor-no-such.yaml"));
    assertEquals(
        "serve: cannot read config file /tmp/llama-supervisor-no-such.yaml: no such file",
        cli.err().strip());
  }
}
