package io.llamasupervisor.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Embeds prompts with a model of the fleet: {@code POST <backend>/v1/embeddings} with {@code
 * {"model": id, "input": prompt}} to a READY instance of that model (a llama-server started with
 * {@code --embeddings} and a pooling type), the vector L2-normalised here. Which instance: whatever
 * {@code backend} says when the prompt is embedded (the routing table's READY backends), so swaps
 * and restarts of the embedding model are followed. No READY instance, an error status or an answer
 * without a vector fail the call (the lookup is then a miss, as the cache does with any embedder
 * failure). Thread-safe.
 */
public final class ModelEmbedder implements Embedder {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String modelId;
  private final Supplier<Optional<URI>> backend;
  private final Duration timeout;
  private final HttpClient http;
  private volatile int dimension;

  /**
   * @param modelId the embedding model's id, sent as {@code model}
   * @param backend a READY instance of it, e.g. {@code http://127.0.0.1:39001}; empty when none
   * @param timeout bound of one request (the cache's own timeout also bounds the lookup)
   */
  public ModelEmbedder(String modelId, Supplier<Optional<URI>> backend, Duration timeout) {
    this.modelId = Objects.requireNonNull(modelId, "modelId");
    this.backend = Objects.requireNonNull(backend, "backend");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(timeout)
            .build();
  }

  @Override
  public String name() {
    return "model:" + modelId;
  }

  /** Known after the first embedding; 0 before. */
  @Override
  public int dimension() {
    return dimension;
  }

  @Override
  public float[] embed(String text) throws IOException, InterruptedException {
    URI base =
        backend
            .get()
            .orElseThrow(() -> new IOException("no READY instance of the embedder " + modelId));
    String body =
        JSON.writeValueAsString(JSON.createObjectNode().put("model", modelId).put("input", text));
    HttpResponse<byte[]> r =
        http.send(
            HttpRequest.newBuilder(base.resolve("/v1/embeddings"))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 200) {
      throw new IOException(
          "embedder " + modelId + " answered " + r.statusCode() + ": " + snippet(r.body()));
    }
    JsonNode vector = JSON.readTree(r.body()).path("data").path(0).path("embedding");
    if (!vector.isArray() || vector.isEmpty()) {
      throw new IOException("embedder " + modelId + " answered no vector: " + snippet(r.body()));
    }
    float[] v = new float[vector.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) vector.get(i).asDouble();
    }
    dimension = v.length;
    return Vectors.normalize(v);
  }

  private static String snippet(byte[] body) {
    String s = new String(body, java.nio.charset.StandardCharsets.UTF_8);
    return s.length() > 200 ? s.substring(0, 200) + "…" : s;
  }
}
