package io.llamasupervisor.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchCommandTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @Test
  void defaultsMatchTheDocumentedOnes() {
    BenchCommand.Parsed p =
        BenchCommand.parse(List.of("--registry", "http://127.0.0.1:8080", "--model", "org/tiny"));

    SwapBenchOptions o = p.options();
    assertEquals(URI.create("http://127.0.0.1:8080"), o.registry());
    assertEquals("org/tiny", o.model());
    assertEquals(16, o.clients());
    assertEquals(8, o.keepAliveClients());
    assertEquals(5, o.swaps());
    assertFalse(o.streamOnly());
    assertEquals(Duration.ofSeconds(3), o.interval());
    assertEquals(Duration.ofSeconds(2), o.drainLinger());
    assertEquals(Duration.ofSeconds(2), o.streamMin());
    assertEquals(Duration.ofSeconds(10), o.streamMax());
    assertEquals(0.0, o.tokenPaceMs());
    assertFalse(p.json());
  }

  @Test
  void takesEveryOptionInBothForms() {
    BenchCommand.Parsed p =
        BenchCommand.parse(
            List.of(
                "--registry=http://h:1",
                "--model",
                "m",
                "--clients",
                "4",
                "--swaps=2",
                "--stream",
                "--api-key",
                "k",
                "--interval",
                "500ms",
                "--stream-max",
                "3s",
                "--stream-min=1.5s",
                "--token-ms",
                "12.5",
                "--json"));

    SwapBenchOptions o = p.options();
    assertEquals(4, o.clients());
    assertEquals(2, o.swaps());
    assertTrue(o.streamOnly());
    assertEquals("k", o.apiKey());
    assertEquals(Duration.ofMillis(500), o.interval());
    assertEquals(Duration.ofMillis(1500), o.streamMin());
    assertEquals(Duration.ofSeconds(3), o.streamMax());
    assertEquals(12.5, o.tokenPaceMs());
    assertTrue(p.json());
  }

  @Test
  void helpIsNotAnError() {
    assertNull(BenchCommand.parse(List.of("--help")));
    assertEquals(0, run("swap", "--help"));
    assertTrue(out().contains("--drain-linger"), out());
  }

  @Test
  void usageErrorsExitWithOneAndSayWhy() {
    assertEquals(1, run("swap", "--registry", "http://h:1"));
    assertTrue(err().contains("--model is required"), err());
    assertEquals(1, run("swap", "--registry", "http://h:1", "--model", "m", "--bogus"));
    assertTrue(err().contains("unknown option '--bogus'"), err());
    assertEquals(1, run("swap", "--registry", "http://h:1", "--model", "m", "--interval", "soon"));
    assertTrue(err().contains("invalid duration 'soon'"), err());
    assertEquals(1, run("swap", "--registry", "ftp://h:1", "--model", "m"));
    assertEquals(1, run("swap", "--registry", "http://h:1", "--model", "m", "--clients", "0"));
    assertEquals(1, run("race"));
    assertTrue(err().contains("unknown subcommand 'race'"), err());
    assertEquals(1, run());
  }

  @Test
  void anUnreachableRegistryIsReportedAndExitsWithOne() {
    int port = io.llamasupervisor.testkit.FakeServerProcess.freePort();

    int code =
        run(
            "swap",
            "--registry",
            "http://127.0.0.1:" + port,
            "--model",
            "m",
            "--ready-timeout",
            "300ms");

    assertEquals(1, code);
    assertTrue(err().contains("no READY backend for m within"), err());
  }

  @Test
  void durationsAcceptTheUsualUnits() {
    assertEquals(Duration.ofMillis(250), DurationArg.parse("250ms"));
    assertEquals(Duration.ofSeconds(3), DurationArg.parse("3"));
    assertEquals(Duration.ofMinutes(2), DurationArg.parse("2m"));
    assertThrows(IllegalArgumentException.class, () -> DurationArg.parse("-1s"));
  }

  @Test
  void restartUriKeepsTheSlashesOfTheModelIdAndEncodesTheRest() {
    assertEquals(
        URI.create("http://h:1/api/v1/models/org/tiny%20model/restart"),
        RegistryRestart.uri("http://h:1", "org/tiny model"));
  }

  private int run(String... args) {
    out.reset();
    err.reset();
    return new BenchCommand()
        .run(
            List.of(args),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }
}
