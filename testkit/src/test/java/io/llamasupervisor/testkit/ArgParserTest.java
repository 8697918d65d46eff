package io.llamasupervisor.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Command-line behaviour of b10470, compared with its recorded stderr. */
class ArgParserTest {
  private final ArgParser parser = new ArgParser(HelpText.bundled());

  private ArgParser.Exit exit(List<String> args) {
    return assertInstanceOf(ArgParser.Exit.class, parser.parse(args, Map.of()));
  }

  private ServerOptions run(List<String> args, Map<String, String> env) {
    return assertInstanceOf(ArgParser.Run.class, parser.parse(args, env)).options();
  }

  @Test
  void repackFlagsAreAccepted() {
    for (String flag : List.of("--no-repack", "-nr", "--repack")) {
      assertInstanceOf(
          ArgParser.Run.class, parser.parse(List.of("-m", "x.gguf", flag), Map.of()), flag);
    }
  }

  @Test
  void unknownFlagIsTheOnlyLine() {
    ArgParser.Exit e = exit(List.of("-m", "x.gguf", "--definitely-not-a-flag"));
    assertEquals(1, e.code());
    assertEquals(
        List.of("error: invalid argument: --definitely-not-a-flag"), Lines.untimed(e.stderr()));
  }

  @Test
  void invalidCacheTypePrintsTheUsageOfTheFlag() {
    ArgParser.Exit e = exit(List.of("-m", "x.gguf", "-ctk", "q3_k"));
    assertEquals(1, e.code());
    assertEquals(
        List.of(
            "error while handling argument \"-ctk\": Unsupported cache type: q3_k",
            "",
            "usage:",
            "-ctk,  --cache-type-k TYPE              KV cache data type for K",
            "                                        allowed values: f32, f16, bf16, q8_0, q4_0, q4_1, iq4_nl, q5_0, q5_1",
            "                                        (default: f16)",
            "                                        (env: LLAMA_ARG_CACHE_TYPE_K)",
            "",
            "",
            "to show complete usage, run with -h"),
        Lines.untimed(e.stderr()));
  }

  @Test
  void flashAttentionNeedsAValue() {
    List<String> maybe = Lines.untimed(exit(List.of("-m", "x", "-fa", "maybe")).stderr());
    assertEquals(
        List.of(
            "error while handling argument \"-fa\": error: unknown value for --flash-attn: 'maybe'",
            "",
            "",
            "usage:"),
        maybe.subList(0, 4));
    List<String> bare = Lines.untimed(exit(List.of("-m", "x", "-fa", "--port", "1")).stderr());
    assertEquals(
        "error while handling argument \"-fa\": error: unknown value for --flash-attn: '--port'",
        bare.get(0));
  }

  @Test
  void missingAndNonNumericValues() {
    assertEquals(
        "error while handling argument \"-m\": expected value for argument",
        Lines.untimed(exit(List.of("-m")).stderr()).get(0));
    assertEquals(
        "error while handling argument \"-c\": stoi",
        Lines.untimed(exit(List.of("-m", "x", "-c", "abc")).stderr()).get(0));
    assertEquals(1024, run(List.of("-m", "x", "-c", "1024abc"), Map.of()).ctxSize());
  }

  @Test
  void flagsMapToOptions() {
    ServerOptions o =
        run(
            List.of(
                "-m",
                "models/a.gguf",
                "-c",
                "4096",
                "-np",
                "2",
                "-t",
                "3",
                "--host",
                "0.0.0.0",
                "--port",
                "18080",
                "-ctk",
                "q8_0",
                "-ctv",
                "q4_0",
                "-fa",
                "off",
                "--metrics",
                "--no-slots",
                "-ngl",
                "99",
                "--alias",
                "a,b",
                "--api-key",
                "k1,k2",
                "--no-webui",
                "--jinja",
                "--mmproj",
                "p.gguf",
                "--sleep-idle-seconds",
                "5",
                "-nocb"),
            Map.of());
    assertEquals("models/a.gguf", o.model());
    assertEquals(4096, o.ctxSize());
    assertEquals(2, o.parallel());
    assertEquals(3, o.threads());
    assertEquals("0.0.0.0", o.host());
    assertEquals(18080, o.port());
    assertEquals("q8_0", o.cacheTypeK());
    assertEquals("q4_0", o.cacheTypeV());
    assertEquals("off", o.flashAttn());
    assertTrue(o.metrics());
    assertEquals(false, o.slots());
    assertEquals(List.of("a", "b"), o.aliases());
    assertEquals("a", o.modelName());
    assertEquals(List.of("k1", "k2"), o.apiKeys());
    assertEquals(false, o.ui());
    assertEquals("p.gguf", o.mmproj());
  }

  @Test
  void defaults() {
    ServerOptions o = run(List.of("-m", "m.gguf"), Map.of());
    assertEquals(0, o.ctxSize());
    assertEquals(-1, o.parallel());
    assertEquals("127.0.0.1", o.host());
    assertEquals(8080, o.port());
    assertEquals("f16", o.cacheTypeK());
    assertEquals("auto", o.flashAttn());
    assertEquals(false, o.metrics());
    assertTrue(o.slots());
    assertEquals("m.gguf", o.modelName());
    assertEquals(30, o.ssePingInterval());
    assertEquals(false, o.contextShift());
  }

  @Test
  void ssePingIntervalAndContextShift() {
    ServerOptions o =
        run(List.of("-m", "m.gguf", "--sse-ping-interval", "2", "--context-shift"), Map.of());
    assertEquals(2, o.ssePingInterval());
    assertTrue(o.contextShift());
    ServerOptions env =
        run(
            List.of("-m", "m.gguf"),
            Map.of("LLAMA_ARG_SSE_PING_INTERVAL", "-1", "LLAMA_ARG_CONTEXT_SHIFT", "1"));
    assertEquals(-1, env.ssePingInterval());
    assertTrue(env.contextShift());
    assertEquals(
        false,
        run(List.of("-m", "m.gguf", "--context-shift", "--no-context-shift"), Map.of())
            .contextShift());
  }

  @Test
  void environmentVariablesApplyAndTheCommandLineWins() {
    Map<String, String> env =
        Map.of(
            "LLAMA_ARG_MODEL", "env.gguf",
            "LLAMA_ARG_CTX_SIZE", "768",
            "LLAMA_ARG_N_PARALLEL", "3",
            "LLAMA_ARG_ENDPOINT_METRICS", "1",
            "LLAMA_ARG_ENDPOINT_SLOTS", "0");
    ServerOptions o = run(List.of(), env);
    assertEquals("env.gguf", o.model());
    assertEquals(768, o.ctxSize());
    assertEquals(3, o.parallel());
    assertTrue(o.metrics());
    assertEquals(false, o.slots());
    ArgParser.Run r =
        assertInstanceOf(ArgParser.Run.class, parser.parse(List.of("-c", "1024"), env));
    assertEquals(1024, r.options().ctxSize());
    assertEquals(
        List.of(
            "warn: LLAMA_ARG_CTX_SIZE environment variable is set, but will be overwritten by"
                + " command line argument -c"),
        Lines.untimed(r.notices()));
    ArgParser.Exit bad =
        assertInstanceOf(
            ArgParser.Exit.class,
            parser.parse(List.of("-m", "x"), Map.of("LLAMA_ARG_CTX_SIZE", "big")));
    assertEquals(
        "error while handling environment variable \"LLAMA_ARG_CTX_SIZE\": stoi",
        Lines.untimed(bad.stderr()).get(0));
  }

  @Test
  void gpuLayersWarnOnThisCpuOnlyBuild() {
    ArgParser.Run r =
        assertInstanceOf(
            ArgParser.Run.class, parser.parse(List.of("-m", "x", "-ngl", "99"), Map.of()));
    assertEquals(
        List.of("warning: no usable GPU found, --gpu-layers option will be ignored"),
        Lines.untimed(r.notices()));
  }

  @Test
  void helpAndVersion() {
    ArgParser.Exit h = exit(List.of("-h"));
    assertEquals(0, h.code());
    assertTrue(h.stdout().startsWith("----- common params -----"));
    ArgParser.Exit v = exit(List.of("--version"));
    assertEquals(0, v.code());
    assertEquals(
        List.of(
            "version: 0.1.1-dev (build 10470, commit 34af94cd)",
            "built with GNU 12.2.0 for Linux x86_64"),
        Lines.untimed(v.stderr()));
  }

  @Test
  void withoutAModelTheRouterIsNotEmulated() {
    assertEquals(2, exit(List.of("--port", "1")).code());
  }
}
