package io.llamasupervisor.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.gguf.GgufValueType;
import io.llamasupervisor.gguf.testing.GgufWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every model file gets the stderr lines llama-server b10470 printed for it (recorded runs, with
 * {@code MODELS/} replaced by the test's directory).
 */
class ModelLoaderTest {
  @TempDir Path dir;

  private List<String> failure(String pathArg) {
    ModelLoader.Result r = ModelLoader.load(pathArg);
    return Lines.untimed(assertInstanceOf(ModelLoader.Failed.class, r, r.toString()).lines());
  }

  private String fixture(String name) {
    return Fixtures.write(name, dir).toString();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "bad-magic.gguf             | E gguf_init_from_reader: invalid magic characters: 'GGUX', expected 'GGUF'",
        "not-gguf-text.gguf         | E gguf_init_from_reader: invalid magic characters: 'This', expected 'GGUF'",
        "empty.gguf                 | E gguf_init_from_reader: failed to read magic",
        "truncated-header.gguf      | E gguf_init_from_reader: failed to read header",
        "truncated-metadata.gguf    | E gguf_init_from_reader: failed to read key-value pairs",
        "truncated-tensor-data.gguf | E llama_model_load: error loading model: tensor 'blk.1.attn_norm.weight' data is not within the file bounds, model is corrupted or incomplete",
        "version1.gguf              | E gguf_init_from_reader: GGUFv1 is no longer supported, please use a more up-to-date version",
        "version99.gguf             | E gguf_init_from_reader: this GGUF file is version 99 but this software only supports up to version 3",
        "absurd-tensor-count.gguf   | E gguf_init_from_reader: number of tensors is 4611686018427387904 but must be in [0, 53624256028225440]",
        "absurd-kv-count.gguf       | E gguf_init_from_reader: number of key value pairs is 4611686018427387904 but must be in [0, 209622091746699450]",
        "string-length-exceeds-file.gguf | E read: string length 1099511627776 exceeds maximum 1073741824",
      })
  void rejectedFixturesPrintTheirKeyLine(String file, String keyLine) {
    List<String> lines = failure(fixture(file));
    assertTrue(lines.contains(keyLine), String.join("\n", lines));
    assertEquals(
        "E srv  llama_server: exiting due to model loading error", lines.get(lines.size() - 1));
  }

  @Test
  void badMagicPrintsTheWholeRealSequence() {
    String p = fixture("bad-magic.gguf");
    assertEquals(
        List.of(
            "E gguf_init_from_reader: invalid magic characters: 'GGUX', expected 'GGUF'",
            "E llama_model_load: error loading model: llama_model_loader: failed to load model from "
                + p,
            "E llama_model_load_from_file_impl: failed to load model",
            "E common_fit_params: encountered an error while trying to fit params to free device memory: failed to load model",
            "E gguf_init_from_reader: invalid magic characters: 'GGUX', expected 'GGUF'",
            "E llama_model_load: error loading model: llama_model_loader: failed to load model from "
                + p,
            "E llama_model_load_from_file_impl: failed to load model",
            "E cmn  common_init_: failed to load model '" + p + "'",
            "E srv    load_model: failed to load model, '" + p + "'",
            "I srv    operator(): operator(): cleaning up before exit...",
            "E srv  llama_server: exiting due to model loading error"),
        failure(p));
  }

  @Test
  void versionOneFailsInTheHeader() {
    List<String> lines = failure(fixture("version1.gguf"));
    assertEquals(
        List.of(
            "E gguf_init_from_reader: GGUFv1 is no longer supported, please use a more up-to-date version",
            "E gguf_init_from_reader: failed to read header"),
        lines.subList(0, 2));
  }

  @Test
  void versionTwoAndTheTinyModelLoad() {
    for (String f : List.of(Fixtures.TINY, "version2.gguf")) {
      ModelLoader.Result r = ModelLoader.load(fixture(f));
      ModelInfo m = assertInstanceOf(ModelLoader.Loaded.class, r, r.toString()).model();
      assertEquals("llama", m.architecture());
      assertEquals(2048, m.ctxTrain());
      assertEquals(128, m.nEmbd());
      assertEquals(32, m.headDimK());
      assertEquals(512, m.nVocab());
      assertEquals(426624, m.nParams());
      assertEquals(854528, m.size());
      assertEquals("F16", m.ftype());
      assertTrue(m.chatTemplate().contains("<|im_start|>"));
    }
  }

  @Test
  void missingFileAndDirectory() {
    String missing = dir.resolve("does-not-exist.gguf").toString();
    assertEquals(
        "E gguf_init_from_file: failed to open GGUF file '"
            + missing
            + "' (No such file or directory)",
        failure(missing).get(0));
    assertEquals("E gguf_init_from_reader: failed to read magic", failure(dir.toString()).get(0));
  }

  @Test
  void unknownArchitectureAndMissingHyperparameters() throws IOException {
    Path unknown =
        GgufWriter.llama(2048, 128, 4, 2, 2)
            .kv("general.architecture", GgufValueType.STRING, "notarealarch")
            .write(dir.resolve("unknown-arch.gguf"));
    List<String> lines = failure(unknown.toString());
    assertEquals(
        "E llama_model_load: error loading model: unknown model architecture: 'notarealarch'",
        lines.get(0));
    assertEquals(9, lines.size());
    Path vocabOnly =
        GgufWriter.llama(2048, 128, 4, 2, 2)
            .remove("llama.context_length")
            .write(dir.resolve("vocab-only.gguf"));
    assertEquals(
        "E llama_model_load: error loading model: error loading model hyperparameters: key not found in model: llama.context_length",
        failure(vocabOnly.toString()).get(0));
  }

  @Test
  void splitModels() throws IOException {
    GgufWriter first = GgufWriter.llama(2048, 128, 4, 2, 1).split(0, 2, 3);
    GgufWriter second = GgufWriter.model("llama").split(1, 2, 3);
    second.tensor("output.weight", io.llamasupervisor.gguf.GgmlType.F16, 128, 32);
    Path one = first.write(dir.resolve("model-00001-of-00002.gguf"));
    String two = dir.resolve("model-00002-of-00002.gguf").toString();
    List<String> lines = failure(one.toString());
    assertEquals(
        "E gguf_init_from_file: failed to open GGUF file '" + two + "' (No such file or directory)",
        lines.get(0));
    assertEquals(
        "E llama_model_load: error loading model: llama_model_loader: failed to load GGUF split from "
            + two,
        lines.get(1));
    assertEquals(
        "E cmn  common_init_: failed to load model '" + one + "'", lines.get(lines.size() - 4));
    second.write(Path.of(two));
    assertInstanceOf(ModelLoader.Loaded.class, ModelLoader.load(one.toString()));
    assertEquals(
        "E llama_model_load: error loading model: illegal split file idx: 1 (file: "
            + two
            + "), model must be loaded with the first split",
        failure(two).get(0));
  }

  @Test
  void mmprojMustExistAndBeAProjector() throws IOException {
    String nope = dir.resolve("nope-mmproj.gguf").toString();
    List<String> missing = Lines.untimed(ModelLoader.checkMmproj(nope, 2).orElseThrow());
    assertEquals(
        List.of(
            "E gguf_init_from_file: failed to open GGUF file '"
                + nope
                + "' (No such file or directory)",
            "E mtmd_get_memory_usage: error: Failed to load CLIP model from " + nope,
            "",
            "E srv    load_model: [mtmd] failed to get memory usage of mmproj",
            "I cmn          init: llama threadpool init, n_threads = 2",
            "E gguf_init_from_file: failed to open GGUF file '"
                + nope
                + "' (No such file or directory)",
            "E clip_init: failed to load model '"
                + nope
                + "': clip_model_loader: failed to load CLIP model from "
                + nope
                + ". Does this file exist?",
            "",
            "E mtmd_init_from_file: error: Failed to load CLIP model from " + nope,
            "",
            "E srv    load_model: failed to load multimodal model, '" + nope + "'",
            "I srv    operator(): operator(): cleaning up before exit...",
            "E srv  llama_server: exiting due to model loading error"),
        missing);
    assertTrue(ModelLoader.checkMmproj(fixture(Fixtures.TINY), 2).isPresent());
    Path clip =
        GgufWriter.model("clip")
            .tensor("v.patch_embd.weight", io.llamasupervisor.gguf.GgmlType.F16, 32, 32)
            .write(dir.resolve("mmproj.gguf"));
    assertTrue(ModelLoader.checkMmproj(clip.toString(), 2).isEmpty());
    assertTrue(Files.exists(clip));
  }
}
