package io.llamasupervisor.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code models}, {@code model}, {@code logs}, {@code start/stop/restart} against a stand-in API.
 */
class OperatorCommandsTest {
  private static final String M = "/api/v1/models/pub/repo/m";
  private static final String MODEL =
      "{\"id\":\"pub/repo/m\",\"alias\":\"m\",\"state\":\"ready\",\"restarts\":1,"
          + "\"instances\":[{\"generation\":2,\"state\":\"ready\",\"pid\":42,\"port\":39001}]";

  private final Output cli = new Output();
  private TinyApi api;

  @BeforeEach
  void start() throws Exception {
    api = new TinyApi();
  }

  @AfterEach
  void stop() {
    api.close();
  }

  private static String withRollout(String phase, int from, int to) {
    return MODEL
        + ",\"rollout\":{\"phase\":\""
        + phase
        + "\",\"fromGeneration\":"
        + from
        + ",\"toGeneration\":"
        + to
        + ",\"message\":\"\"}}";
  }

  @Test
  void modelsPrintsATableOrTheJson() {
    api.answer("/api/v1/models", 200, "{\"models\":[" + MODEL + "}]}");

    assertEquals(0, cli.run("models", "--url", api.url()), cli.err());
    assertTrue(cli.out().contains("pub/repo/m"), cli.out());
    assertTrue(cli.out().contains("g2 :39001"), cli.out());
    assertEquals(0, cli.run("models", "--url", api.url(), "--json"));
    assertTrue(cli.out().startsWith("[{\"id\":\"pub/repo/m\""), cli.out());
  }

  @Test
  void modelShowsOneModelAndAnUnknownOneExitsThree() {
    api.answer(M, 200, MODEL + "}")
        .answer(
            "/api/v1/models/nope",
            404,
            "{\"error\":{\"code\":\"model_not_found\",\"message\":\"no model nope\"}}");

    assertEquals(0, cli.run("model", "pub/repo/m", "--url", api.url()), cli.err());
    assertTrue(cli.out().contains("state:"), cli.out());
    assertTrue(cli.out().contains("g2 ready pid 42 port 39001"), cli.out());
    assertEquals(3, cli.run("model", "nope", "--url", api.url()));
    assertTrue(cli.err().contains("no model nope (HTTP 404)"), cli.err());
  }

  @Test
  void logsPrintsTheLines() {
    api.answer(M + "/logs", 200, "{\"model\":\"pub/repo/m\",\"lines\":[\"one\",\"two\"]}");

    assertEquals(0, cli.run("logs", "pub/repo/m", "-n", "2", "--url", api.url()), cli.err());
    assertEquals("one\ntwo\n", cli.out());
    assertTrue(api.requests().contains("GET " + M + "/logs?lines=2"), api.requests().toString());
  }

  @Test
  void logsFollowPrintsEventDataAndSkipsPings() {
    api.answer(M + "/logs", 200, "data: one\n\nevent: ping\ndata: \n\ndata: two\n\n");

    assertEquals(0, cli.run("logs", "pub/repo/m", "-f", "--url", api.url()), cli.err());
    assertEquals("one\ntwo\n", cli.out());
  }

  @Test
  void startStopAndRestartExitZeroWhenAcceptedAndFourWhenRefused() {
    String accepted = "{\"model\":\"pub/repo/m\",\"action\":\"%s\",\"message\":\"will %s\"}";
    api.answer(M + "/start", 202, accepted.formatted("start", "start"))
        .answer(M + "/stop", 202, accepted.formatted("stop", "stop"))
        .answer(
            "/api/v1/models/bad/restart",
            409,
            "{\"error\":{\"code\":\"model_rejected\",\"message\":\"model bad was rejected\"}}");

    assertEquals(0, cli.run("start", "pub/repo/m", "--url", api.url()), cli.err());
    assertEquals("will start\n", cli.out());
    assertEquals(0, cli.run("stop", "pub/repo/m", "--url", api.url()), cli.err());
    assertEquals(4, cli.run("restart", "bad", "--url", api.url()));
    assertTrue(cli.err().contains("model bad was rejected"), cli.err());
    assertEquals(3, cli.run("start", "missing", "--url", api.url()));
  }

  @Test
  void restartWaitFollowsThePhasesUntilDone() {
    api.answer(M + "/restart", 202, "{\"action\":\"restart\",\"message\":\"restarting\"}")
        .answers(
            M,
            200,
            withRollout("done", 1, 2), // before the restart: the last swap
            withRollout("done", 1, 2),
            withRollout("starting", 2, 3),
            withRollout("draining", 2, 3),
            withRollout("done", 2, 3));

    assertEquals(0, cli.run("restart", "pub/repo/m", "--wait", "--url", api.url()), cli.err());
    String err = cli.err();
    assertTrue(
        err.indexOf("starting g2 -> g3") < err.indexOf("draining g2 -> g3")
            && err.indexOf("draining g2 -> g3") < err.indexOf("done g2 -> g3"),
        err);
  }

  @Test
  void restartWaitExitsFiveWhenTheSwapFails() {
    api.answer(M + "/restart", 202, "{\"action\":\"restart\",\"message\":\"restarting\"}")
        .answers(M, 200, MODEL + "}", withRollout("starting", 2, 3), withRollout("failed", 2, 3));

    assertEquals(5, cli.run("restart", "pub/repo/m", "--wait", "--url", api.url()));
    assertTrue(cli.err().contains("the restart failed"), cli.err());
  }

  private static String inState(String state, String waiting) {
    return "{\"id\":\"pub/repo/m\",\"state\":\""
        + state
        + "\",\"instances\":[],\"memory\":{\"estimatedBytes\":180224,\"residentBytes\":0,"
        + "\"pinned\":true,\"waiting\":"
        + (waiting == null ? "null" : "\"" + waiting + "\"")
        + "}}";
  }

  @Test
  void loadWaitPrintsEachStateUntilReady() {
    api.answer(M + "/load", 202, "{\"action\":\"load\",\"message\":\"loading\"}")
        .answers(
            M,
            200,
            inState("idle", null),
            inState("waiting", "waits for memory: needs 176 KiB on cpu"),
            inState("starting", null),
            inState("ready", null));

    assertEquals(0, cli.run("load", "pub/repo/m", "--wait", "--url", api.url()), cli.err());
    assertEquals("loading\n", cli.out());
    String err = cli.err();
    assertTrue(
        err.indexOf("waiting: waits for memory: needs 176 KiB on cpu") < err.indexOf("starting")
            && err.indexOf("starting") < err.indexOf("ready"),
        err);
  }

  @Test
  void loadWaitExitsFiveWhenTheModelCanNeverFitAndUnloadWaitsForIdle() {
    api.answer(M + "/load", 202, "{\"action\":\"load\",\"message\":\"loading\"}")
        .answers(M, 200, inState("rejected", null));
    assertEquals(5, cli.run("load", "pub/repo/m", "--wait", "--url", api.url()));
    assertTrue(cli.err().contains("load did not succeed: rejected"), cli.err());

    api.answer(M + "/unload", 202, "{\"action\":\"unload\",\"message\":\"unloading\"}")
        .answers(M, 200, inState("stopping", null), inState("idle", null));
    assertEquals(0, cli.run("unload", "pub/repo/m", "--wait", "--url", api.url()), cli.err());
  }

  @Test
  void modelsShowsTheMemoryOfEachModel() {
    api.answer("/api/v1/models", 200, "{\"models\":[" + inState("idle", null) + "]}");
    assertEquals(0, cli.run("models", "--url", api.url()), cli.err());
    assertTrue(cli.out().contains("MEMORY"), cli.out());
    assertTrue(cli.out().contains("(176 KiB)*"), cli.out());
  }

  @Test
  void theUrlAndKeyComeFromTheEnvironmentByDefault() {
    assertEquals(0, cli.run("models", "--help"));
    assertTrue(cli.out().contains("LLAMA_SUPERVISOR_URL"), cli.out());
    assertTrue(cli.out().contains("LLAMA_SUPERVISOR_API_KEY"), cli.out());
  }

  /** Regression: an unreachable supervisor was reported as "cannot reach …: null". */
  @Test
  void unreachableSupervisorNamesTheCauseInsteadOfNull() {
    String url = api.url();
    api.close();
    for (String[] command :
        new String[][] {{"status"}, {"health"}, {"models"}, {"top", "-n", "1"}, {"logs", "m"}}) {
      String[] args = java.util.Arrays.copyOf(command, command.length + 2);
      args[command.length] = "--url";
      args[command.length + 1] = url;

      assertEquals(1, cli.run(args), cli.err());
      assertTrue(cli.err().contains("cannot reach the supervisor"), cli.err());
      assertTrue(cli.err().strip().endsWith(": connection refused"), cli.err());
    }

    assertEquals(1, cli.run("status", "--url", "http://nonexistent.invalid:1"));
    assertEquals(
        "status: cannot reach the supervisor at http://nonexistent.invalid:1: unknown host"
            + " nonexistent.invalid",
        cli.err().strip());
  }

  /**
   * Regression: {@code logs ID} of a model that never started (or a rejected one) printed nothing
   * and exited 0, as if its log were empty.
   */
  @Test
  void logsOfAModelThatNeverRanSaysWhyOnStderr() {
    api.answer(M + "/logs", 200, "{\"model\":\"pub/repo/m\",\"lines\":[]}")
        .answer(
            M,
            200,
            "{\"id\":\"pub/repo/m\",\"state\":\"idle\",\"instances\":[],"
                + "\"lastDecision\":{\"code\":\"ON_DEMAND\",\"message\":\"waits\"}}");

    assertEquals(0, cli.run("logs", "pub/repo/m", "--url", api.url()), cli.err());
    assertEquals("", cli.out());
    assertEquals(
        "logs: no log yet: model pub/repo/m has not been started (state idle, reason ON_DEMAND)",
        cli.err().strip());

    api.answer(
        M,
        200,
        "{\"id\":\"pub/repo/m\",\"state\":\"rejected\",\"instances\":[],"
            + "\"catalog\":{\"verdict\":\"rejected\",\"reason\":\"BAD_MAGIC\","
            + "\"message\":\"not a GGUF file\"}}");
    assertEquals(4, cli.run("logs", "pub/repo/m", "--url", api.url()));
    assertEquals(
        "logs: no log: model pub/repo/m is rejected and never runs (BAD_MAGIC: not a GGUF file)",
        cli.err().strip());
  }
}
