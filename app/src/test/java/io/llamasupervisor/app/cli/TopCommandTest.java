package io.llamasupervisor.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code top} against a stand-in API that streams two traffic points. */
class TopCommandTest {
  private static final String MODELS =
      "{\"models\":[{\"id\":\"pub/repo/m\",\"state\":\"ready\"},"
          + "{\"id\":\"quiet\",\"state\":\"idle\"}]}";
  private static final String FIRST =
      "{\"at\":\"2026-03-01T12:00:00Z\",\"gateway\":true,\"models\":{\"pub/repo/m\":"
          + "{\"requestsPerSecond\":0.0,\"ttftSeconds\":null,\"tokensPerSecond\":null,"
          + "\"inFlight\":0.0,\"queued\":0.0}}}";
  private static final String SECOND =
      "{\"at\":\"2026-03-01T12:00:02Z\",\"gateway\":true,\"models\":{\"pub/repo/m\":"
          + "{\"requestsPerSecond\":12.5,\"ttftSeconds\":0.0423,\"tokensPerSecond\":61.0,"
          + "\"inFlight\":3.0,\"queued\":2.0}}}";
  private static final String STREAM =
      "event: traffic\ndata: "
          + FIRST
          + "\n\nevent: ping\ndata: \n\nevent: traffic\ndata: "
          + SECOND
          + "\n\nevent: traffic\ndata: "
          + SECOND
          + "\n\n";

  private final Output cli = new Output();
  private TinyApi api;

  @BeforeEach
  void start() throws Exception {
    api = new TinyApi();
    api.answer("/api/v1/traffic/stream", 200, STREAM).answer("/api/v1/models", 200, MODELS);
  }

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void eachPointIsATableOfEveryModelWithItsTrafficAndStopsAfterTheIterationsAsked() {
    assertEquals(0, cli.run("top", "-n", "2", "--url", api.url()), cli.err());
    String out = cli.out();
    String[] frames = out.split("MODEL ", -1);
    assertEquals(3, frames.length, out); // two tables, the third point not read
    String second = frames[2];
    assertTrue(second.matches("(?s).*pub/repo/m +ready +12\\.5 +3 +2 +42\\.3 +61\\.0\\n.*"), out);
    assertTrue(second.matches("(?s).*quiet +idle +0\\.0 +0 +0 +- +-\\n.*"), out);
    assertTrue(frames[1].matches("(?s).*pub/repo/m +ready +0\\.0 +0 +0 +- +-\\n.*"), out);
    // the history of earlier points is not replayed: top shows the present
    assertTrue(
        api.requests().contains("GET /api/v1/traffic/stream?history=false"),
        api.requests().toString());
  }

  @Test
  void jsonPrintsEachPointAsALine() {
    assertEquals(0, cli.run("top", "-n", "2", "--json", "--url", api.url()), cli.err());
    assertEquals(FIRST + "\n" + SECOND + "\n", cli.out());
  }

  @Test
  void withoutGatewayItSaysSo() {
    api.answer(
        "/api/v1/traffic/stream",
        200,
        "event: traffic\ndata: {\"at\":\"x\",\"gateway\":false,\"models\":{}}\n\n");
    assertEquals(0, cli.run("top", "--url", api.url()), cli.err());
    assertTrue(cli.out().contains("no gateway traffic"), cli.out());
    assertTrue(cli.out().contains("quiet"), cli.out());
  }

  @Test
  void aMissingKeyExitsFourAndABadIterationCountOne() {
    api.requireKey("k");
    assertEquals(4, cli.run("top", "--url", api.url()));
    assertTrue(cli.err().contains("no key"), cli.err());
    assertEquals(1, cli.run("top", "-n", "-1", "--url", api.url(), "--api-key", "k"));
    assertTrue(cli.err().contains("--iterations must be 0 or more"), cli.err());
  }
}
