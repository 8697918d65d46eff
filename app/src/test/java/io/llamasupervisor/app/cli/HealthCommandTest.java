package io.llamasupervisor.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code health}: the container health check, against a stand-in API. */
class HealthCommandTest {
  private static final String HEALTHY = "{\"status\":\"UP\"}";

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

  @Test
  void exitsZeroWhenHealthAnswers200() {
    api.answer("/health", 200, HEALTHY);

    assertEquals(0, cli.run("health", "--url", api.url()), cli.err());
    assertEquals("", cli.out());
  }

  @Test
  void exitsOneWhenHealthAnswersAnythingElse() {
    api.answer("/health", 503, "{}");

    assertEquals(1, cli.run("health", "--url=" + api.url()));
    assertTrue(cli.err().contains("answered 503"), cli.err());
  }

  @Test
  void exitsOneWhenNothingListens() throws Exception {
    String url = api.url();
    api.close();

    assertEquals(1, cli.run("health", "--url", url));
    assertTrue(cli.err().contains("cannot reach"), cli.err());
  }

  @Test
  void readyWaitsForEveryModelThatStartsAtOnce() {
    api.answer("/health", 200, HEALTHY)
        .answer(
            "/api/v1/models",
            200,
            "[{\"id\":\"a\",\"state\":\"ready\"},{\"id\":\"b\",\"state\":\"starting\"}]");

    assertEquals(0, cli.run("health", "--url", api.url()));
    assertEquals(1, cli.run("health", "--url", api.url(), "--ready"));
    assertTrue(cli.err().contains("not ready: b (starting)"), cli.err());
  }

  @Test
  void readyIgnoresRejectedStoppedAndOnDemandModels() {
    api.answer("/health", 200, HEALTHY)
        .answer(
            "/api/v1/models",
            200,
            "[{\"id\":\"a\",\"state\":\"ready\"},{\"id\":\"r\",\"state\":\"rejected\"},"
                + "{\"id\":\"s\",\"state\":\"stopped\"},"
                + "{\"id\":\"d\",\"state\":\"idle\",\"start\":\"on-demand\"}]");

    assertEquals(0, cli.run("health", "--url", api.url(), "--ready"), cli.err());
  }

  @Test
  void readyFailsForAFailedModel() {
    api.answer("/health", 200, HEALTHY)
        .answer("/api/v1/models", 200, "[{\"id\":\"f\",\"state\":\"failed\"}]");

    assertEquals(1, cli.run("health", "--url", api.url(), "--ready"));
  }

  @Test
  void sendsTheApiKeyForTheModelList() {
    api.answer("/health", 200, HEALTHY)
        .answer("/api/v1/models", 200, "[{\"id\":\"a\",\"state\":\"ready\"}]")
        .requireKey("a-long-random-secret");

    assertEquals(1, cli.run("health", "--url", api.url(), "--ready"));
    assertTrue(cli.err().contains("401"), cli.err());
    assertEquals(
        0,
        cli.run("health", "--url", api.url(), "--ready", "--api-key", "a-long-random-secret"),
        cli.err());
  }

  @Test
  void anInvalidUrlIsAUsageProblemNotACrash() {
    assertEquals(1, cli.run("health", "--url", "ftp://127.0.0.1:1"));
    assertTrue(cli.err().contains("http(s)"), cli.err());
  }
}
