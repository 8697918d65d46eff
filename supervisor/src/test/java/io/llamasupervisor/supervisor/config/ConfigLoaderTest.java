package io.llamasupervisor.supervisor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.supervisor.launch.FlashAttn;
import io.llamasupervisor.supervisor.launch.KvCacheType;
import io.llamasupervisor.supervisor.launch.LaunchSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {
  @TempDir Path dir;

  /** A loader without the shipped application.yml: built-in defaults only. */
  private final ConfigLoader bare =
      new ConfigLoader("no-such-resource.yml", getClass().getClassLoader());

  private Path yaml(String text) throws Exception {
    return Files.writeString(dir.resolve("config.yml"), text);
  }

  private static ConfigException rejects(String yaml) {
    return assertThrows(
        ConfigException.class, () -> SupervisorConfig.of(ConfigTree.parseYaml(yaml, "test")));
  }

  @Test
  void builtInDefaults() {
    SupervisorConfig c = bare.load(null, List.of());
    assertEquals(LaunchSettings.defaults(), c.launch().defaults());
    assertEquals("llama-server", c.launch().llamaServer());
    assertEquals(Duration.ofSeconds(2), c.catalog().pollInterval());
    assertNull(c.catalog().modelsDir());
    ConfigException e = assertThrows(ConfigException.class, c::requireModelsDir);
    assertEquals("supervisor.models-dir", e.key());
  }

  @Test
  void layersFileThenArguments() throws Exception {
    Path file =
        yaml(
            """
            supervisor:
              models-dir: /srv/models
              defaults:
                ctx-size: 8192
                parallel: 2
                env:
                  A: "1"
              models:
                "lmstudio-community/**":
                  parallel: 1
                "**/Qwen2.5-7B-Instruct*":
                  cache-type-v: q8_0
            """);
    SupervisorConfig c =
        bare.load(
            file,
            List.of(
                "supervisor.defaults.parallel=3",
                "supervisor.models.\"**/Qwen2.5-7B-Instruct*\".ctx-size=16384",
                "supervisor.catalog.poll-interval=500ms"));
    assertEquals(Path.of("/srv/models"), c.requireModelsDir());
    assertEquals(8192, c.launch().defaults().ctxSize());
    assertEquals(3, c.launch().defaults().parallel(), "an argument beats the file");
    assertEquals(Map.of("A", "1"), c.launch().defaults().env());
    assertEquals(Duration.ofMillis(500), c.catalog().pollInterval());
    assertEquals(Duration.ofMillis(500), c.catalog().stableAfter(), "follows the poll interval");

    // glob keys with dots and slashes stay whole; the argument merged into the file's entry
    assertEquals(2, c.launch().overrides().size());
    LaunchSettings qwen =
        c.launch()
            .settingsFor("lmstudio-community/Qwen2.5-7B-Instruct-GGUF/Qwen2.5-7B-Instruct-Q4_K_M");
    assertEquals(1, qwen.parallel());
    assertEquals(16384, qwen.ctxSize());
    assertEquals(KvCacheType.Q8_0, qwen.cacheTypeV());
    LaunchSettings other = c.launch().settingsFor("bartowski/Llama/llama");
    assertEquals(3, other.parallel());
    assertEquals(KvCacheType.Q4_0, other.cacheTypeV());
  }

  @Test
  void classpathFileIsTheLowestLayer() throws Exception {
    SupervisorConfig shipped = new ConfigLoader().load(null, List.of());
    SupervisorConfig over =
        new ConfigLoader().load(yaml("supervisor:\n  defaults:\n    threads: 3\n"), List.of());
    assertEquals(0, shipped.launch().defaults().threads());
    assertEquals(3, over.launch().defaults().threads());
    assertEquals(shipped.launch().defaults().ctxSize(), over.launch().defaults().ctxSize());
  }

  @Test
  void camelAndSnakeCaseKeysAreAccepted() {
    SupervisorConfig c =
        SupervisorConfig.of(
            ConfigTree.parseYaml(
                "supervisor:\n  defaults:\n    ctxSize: 1024\n    cache_type_k: f16\n", "test"));
    assertEquals(1024, c.launch().defaults().ctxSize());
    assertEquals(KvCacheType.F16, c.launch().defaults().cacheTypeK());
  }

  @Test
  void unquotedOnOffAreYamlBooleansAndStillMeanFlashAttention() {
    SupervisorConfig c =
        SupervisorConfig.of(
            ConfigTree.parseYaml(
                "supervisor:\n  defaults:\n    flash-attn: off\n  models:\n    \"a/**\":\n      flash-attn: on\n",
                "test"));
    assertEquals(FlashAttn.OFF, c.launch().defaults().flashAttn());
    assertEquals(FlashAttn.ON, c.launch().settingsFor("a/b").flashAttn());
  }

  @Test
  void argumentValuesMayBeFlowLists() {
    SupervisorConfig c =
        bare.load(null, List.of("supervisor.defaults.extra-args=[--mlock, --no-mmap]"));
    assertEquals(List.of("--mlock", "--no-mmap"), c.launch().defaults().extraArgs());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "defaults:\\n    cache-type-k: q3_k|supervisor.defaults.cache-type-k: 'q3_k' is invalid; allowed: f32, f16, bf16, q8_0, q4_0, q4_1, iq4_nl, q5_0, q5_1",
        "defaults:\\n    ctx-size: -5|supervisor.defaults.ctx-size: '-5' is invalid; must be from 0 to 1048576",
        "defaults:\\n    parallel: 0|supervisor.defaults.parallel: '0' is invalid; must be from 1 to 256",
        "defaults:\\n    flash-attn: maybe|supervisor.defaults.flash-attn: 'maybe' is invalid; allowed: on, off, auto",
        "defaults:\\n    ctx_sise: 5|supervisor.defaults.ctx_sise: unknown key; did you mean ctx-size? (allowed here: ctx-size,",
        "defaults:\\n    n-gpu-layers: many|supervisor.defaults.n-gpu-layers: 'many' is invalid; expected a whole number",
        "defaults:\\n    extra-args: [--mlock, -c, '8192']|supervisor.defaults.extra-args[1]: '-c' is set by the plan; use the key 'ctx-size'",
        "defaults:\\n    env:\\n      BAD-NAME: x|supervisor.defaults.env.BAD-NAME: not a valid environment variable name",
        "models:\\n    \"[abc\":\\n      parallel: 2|supervisor.models.\"[abc\": '[abc' is not a valid glob",
        "models:\\n    \"x/**\":\\n      cache-type-v: q4_k|supervisor.models.\"x/**\".cache-type-v: 'q4_k' is invalid; allowed:",
        "catalog:\\n    poll-interval: soon|supervisor.catalog.poll-interval: 'soon' is invalid; expected a duration",
      })
  void invalidValuesNameTheKeyTheValueAndWhatIsAllowed(String yaml, String message) {
    ConfigException e = rejects("supervisor:\n  " + yaml.replace("\\n", "\n"));
    assertTrue(
        e.getMessage().startsWith(message), "got: " + e.getMessage() + "\nexpected: " + message);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "supervisor:\\n  supervison:\\n    stop-grace: 5s|supervisor.supervison: unknown key; did you mean supervision?",
        "supervisor:\\n  bogus-key: 1|supervisor.bogus-key: unknown key (allowed here: models-dir,",
        "supervisor:\\n  restart:\\n    max-attempts: 5|supervisor.restart: unknown key",
        "supervisor:\\n  supervision:\\n    drain:\\n      lingr: 1s|supervisor.supervision.drain.lingr: unknown key; did you mean linger?",
        "supervisor:\\n  supervision:\\n    restart:\\n      max-backof: 1m|supervisor.supervision.restart.max-backof: unknown key; did you mean max-backoff?",
        "supervisor:\\n  api:\\n    hots: 0.0.0.0|supervisor.api.hots: unknown key; did you mean host?",
        "supervisor:\\n  catalog:\\n    poll-intervall: 1s|supervisor.catalog.poll-intervall: unknown key; did you mean poll-interval?",
        "supervisr:\\n  models-dir: /tmp|supervisr: unknown key; did you mean supervisor?",
      })
  void anUnknownKeyAtAnyLevelIsAnErrorNamingItsPathAndTheClosestKnownKey(
      String yaml, String message) {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> SupervisorConfig.of(ConfigTree.parseYaml(yaml.replace("\\n", "\n"), "test")));
    assertTrue(
        e.getMessage().startsWith(message), "got: " + e.getMessage() + "\nexpected: " + message);
  }

  @Test
  void anUnknownKeyGivenAsAnArgumentIsAnErrorToo() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> bare.load(null, List.of("supervisor.supervision.stop-grac=5s")));
    assertTrue(e.getMessage().contains("did you mean stop-grace?"), e.getMessage());
  }

  @Test
  void camelCaseSectionNamesAreKnownKeys() {
    SupervisorConfig c =
        SupervisorConfig.of(ConfigTree.parseYaml("supervisor:\n  modelsDir: /tmp/m\n", "test"));
    assertEquals(Path.of("/tmp/m"), c.catalog().modelsDir());
  }

  @Test
  void yamlSyntaxErrorsNameTheFile() throws Exception {
    Path bad = yaml("supervisor:\n  defaults: [unclosed\n");
    ConfigException e = assertThrows(ConfigException.class, () -> bare.load(bad, List.of()));
    assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
  }

  @Test
  void malformedOverrideArguments() {
    assertThrows(ConfigException.class, () -> bare.load(null, List.of("supervisor.defaults")));
    assertThrows(
        ConfigException.class, () -> bare.load(null, List.of("supervisor.models.\"a/**.x=1")));
  }

  @Test
  void quotedKeySegments() {
    assertEquals(
        List.of("supervisor", "models", "lmstudio-community/**", "parallel"),
        ConfigTree.parseKey("supervisor.models.\"lmstudio-community/**\".parallel"));
    assertEquals(
        List.of("supervisor", "models", "**/Qwen2.5*", "env", "A"),
        ConfigTree.parseKey("supervisor.models.'**/Qwen2.5*'.env.A"));
  }

  @Test
  void catalogSwitches() {
    SupervisorConfig c =
        bare.load(
            null,
            List.of(
                "supervisor.models-dir=~/models",
                "supervisor.catalog.follow-symlinks-outside=true",
                "supervisor.catalog.sha256=true",
                "supervisor.catalog.watch=false",
                "supervisor.catalog.stable-after=0s"));
    assertEquals(Path.of(System.getProperty("user.home"), "models"), c.requireModelsDir());
    assertTrue(c.catalog().followSymlinksOutside());
    assertTrue(c.catalog().sha256());
    assertFalse(c.catalog().watch());
    assertEquals(Duration.ZERO, c.catalog().stableAfter());
  }

  /**
   * Regression: a missing file read {@code …: java.nio.file.NoSuchFileException: /tmp/nope.yaml}.
   */
  @Test
  void aMissingConfigFileIsReportedInWords() {
    java.nio.file.Path nope = java.nio.file.Path.of("/tmp/llama-supervisor-no-such-config.yaml");
    ConfigException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ConfigException.class, () -> bare.load(nope, List.of()));
    org.junit.jupiter.api.Assertions.assertEquals(
        "cannot read config file " + nope + ": no such file", e.getMessage());
  }
}
