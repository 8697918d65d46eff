package io.llamasupervisor.app;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasupervisor.gguf.testing.GgufWriter;
import io.llamasupervisor.testkit.FakeLlamaServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code supervisor.cache.semantic.embedder: model:<id>}: {@code serve} embeds prompts with a model
 * of its own fleet (a fake llama-server started with {@code --embeddings --pooling mean}, whose
 * {@code /v1/embeddings} hashes words into a vector) instead of the in-process MiniLM.
 */
class ServeModelEmbedderIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final String CHAT_MODEL = "pub/repo/chat";
  private static final String EMBED_MODEL = "pub/repo/embed";

  @TempDir Path dir;
  private JarLauncher launcher;

  @BeforeEach
  void start() {
    launcher = new JarLauncher(dir);
  }

  @AfterEach
  void stop() throws Exception {
    launcher.close();
  }

  @Test
  void aRephrasingIsASemanticHitByTheFleetsEmbeddingModel() throws Exception {
    Path models = Files.createDirectories(dir.resolve("models"));
    GgufWriter.llama(2048, 128, 4, 2, 2).write(models.resolve(CHAT_MODEL + ".gguf"));
    GgufWriter.llama(2048, 128, 4, 2, 2).write(models.resolve(EMBED_MODEL + ".gguf"));
    Path config = dir.resolve("config.yml");
    Files.writeString(
        config,
        """
        supervisor:
          cache:
            semantic:
              timeout: 20s
              embedder: model:%s
          models:
            "%s":
              cache:
                semantic: true
            "%s":
              extra-args: [--embeddings, --pooling, mean]
        """
            .formatted(EMBED_MODEL, CHAT_MODEL, EMBED_MODEL));
    int gateway = JarLauncher.freePort();
    int api =
        launcher
            .serve(
                "serve",
                models,
                FakeLlamaServer.installExecutable(dir.resolve("bin")),
                dir.resolve("state"),
                List.of("--config", config.toString(), "--gateway-port", Integer.toString(gateway)))
            .apiPort();
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(250))
        .ignoreExceptions()
        .until(
            () ->
                chat(gateway, "warm up").statusCode() == 200
                    && embeddings(gateway).statusCode() == 200);

    HttpResponse<String> first = chat(gateway, "Please, how do I reverse a list in Python?");
    assertEquals("miss", first.headers().firstValue("X-Cache").orElse(""), first.body());
    HttpResponse<String>[] hit = new HttpResponse[1];
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              hit[0] = chat(gateway, "How do I reverse a list in Python, please?");
              return "semantic-hit".equals(hit[0].headers().firstValue("X-Cache").orElse(""));
            });
    assertEquals(
        JSON.readTree(first.body()).path("choices").path(0).path("message").path("content"),
        JSON.readTree(hit[0].body()).path("choices").path(0).path("message").path("content"));
    String metrics =
        HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertTrue(
        metrics.contains(
            "llama_gateway_cache_embedding_seconds_count{embedder=\"model:" + EMBED_MODEL + "\"}"),
        metrics);
    assertTrue(!metrics.contains("embedder=\"all-minilm-l6-v2-q\""), "MiniLM was used: " + metrics);
  }

  private static HttpResponse<String> embeddings(int port) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/embeddings"))
            .timeout(Duration.ofSeconds(20))
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    JSON.writeValueAsString(Map.of("model", EMBED_MODEL, "input", "hello"))))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> chat(int port, String prompt) throws Exception {
    String body =
        JSON.writeValueAsString(
            Map.of(
                "model",
                CHAT_MODEL,
                "max_tokens",
                3,
                "temperature",
                0,
                "messages",
                List.of(Map.of("role", "user", "content", prompt))));
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
