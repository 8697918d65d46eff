package io.llamasupervisor.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.bench.SwapBenchOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BenchSwapCommandTest {
  private final Output cli = new Output();

  @Test
  void defaultsMatchTheDocumentedOnes() {
    BenchSwapCommand c = parse("--registry", "http://127.0.0.1:8080", "--model", "org/tiny");

    SwapBenchOptions o = c.options();
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
    assertEquals(1L, o.seed());
    assertFalse(c.json);
  }

  @Test
  void takesEveryOptionInBothForms() {
    BenchSwapCommand c =
        parse(
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
            "PT3S",
            "--stream-min=1.5s",
            "--token-ms",
            "12.5",
            "--json");

    SwapBenchOptions o = c.options();
    assertEquals(4, o.clients());
    assertEquals(2, o.swaps());
    assertTrue(o.streamOnly());
    assertEquals("k", o.apiKey());
    assertEquals(Duration.ofMillis(500), o.interval());
    assertEquals(Duration.ofMillis(1500), o.streamMin());
    assertEquals(Duration.ofSeconds(3), o.streamMax());
    assertEquals(12.5, o.tokenPaceMs());
    assertTrue(c.json);
  }

  @Test
  void theSeedTakesALong() {
    BenchSwapCommand c = parse("--registry", "http://h:1", "--model", "m", "--seed", "8589934593");

    assertEquals(8_589_934_593L, c.options().seed());
  }

  @Test
  void helpIsNotAnError() {
    assertEquals(0, cli.run("bench", "swap", "--help"));
    assertTrue(cli.out().contains("--drain-linger"), cli.out());
    assertEquals(0, cli.run("bench", "--help"));
    assertTrue(cli.out().contains("swap"), cli.out());
  }

  @Test
  void usageErrorsExitWithOneAndSayWhy() {
    assertEquals(1, cli.run("bench", "swap", "--registry", "http://h:1"));
    assertTrue(cli.err().contains("--model"), cli.err());
    assertEquals(
        1, cli.run("bench", "swap", "--registry", "http://h:1", "--model", "m", "--bogus"));
    assertTrue(cli.err().contains("'--bogus'"), cli.err());
    assertEquals(
        1,
        cli.run("bench", "swap", "--registry", "http://h:1", "--model", "m", "--interval", "soon"));
    assertTrue(cli.err().contains("invalid duration 'soon'"), cli.err());
    assertEquals(1, cli.run("bench", "swap", "--registry", "ftp://h:1", "--model", "m"));
    assertTrue(cli.err().contains("http(s)"), cli.err());
    assertEquals(
        1, cli.run("bench", "swap", "--registry", "http://h:1", "--model", "m", "--clients", "0"));
    assertEquals(1, cli.run("bench", "race"));
    assertTrue(cli.err().contains("'race'"), cli.err());
    assertEquals(1, cli.run("bench"));
  }

  @Test
  void anUnreachableRegistryIsReportedAndExitsWithOne() {
    int port = io.llamasupervisor.testkit.FakeServerProcess.freePort();

    int code =
        cli.run(
            "bench",
            "swap",
            "--registry",
            "http://127.0.0.1:" + port,
            "--model",
            "m",
            "--ready-timeout",
            "300ms");

    assertEquals(1, code);
    assertTrue(cli.err().contains("no READY backend for m within"), cli.err());
  }

  private static BenchSwapCommand parse(String... args) {
    BenchSwapCommand c = new BenchSwapCommand();
    CommandLine line = new CommandLine(c);
    line.setOut(new PrintWriter(new StringWriter()));
    line.parseArgs(args);
    return c;
  }
}
