package io.llamasupervisor.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llamasupervisor.registry.ModelRoute;
import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.testkit.FakeServerProcess;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Time to first token of turns 2–10 of 10-turn conversations over 2 replicas of the real
 * llama-server, with the conversation's previous backend preferred ({@code previous_response_id})
 * and without (the same history sent whole with {@code store: false}: least-loaded choice, ties at
 * random). Opt-in: {@code LLAMA_SERVER_BIN}. Prints the figures (for docs/benchmarks.md); asserts
 * only that every turn answered and that the stateful turns stayed on their backend.
 */
class ConversationAffinityRealServerIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final int TURNS = 10;

  @TempDir Path dir;

  @Test
  void timeToFirstTokenOfLaterTurnsWithAndWithoutAffinity() throws Exception {
    String bin = System.getenv("LLAMA_SERVER_BIN");
    assumeTrue(
        bin != null && Files.isExecutable(Path.of(bin)),
        "LLAMA_SERVER_BIN does not name a llama-server binary; skipped");
    int conversations = Integer.parseInt(System.getenv().getOrDefault("CONVERSATIONS", "6"));
    Path model = dir.resolve("tiny-llama-f16.gguf");
    try (var in = getClass().getResourceAsStream("/fixtures/tiny-llama-f16.gguf")) {
      Files.copy(Objects.requireNonNull(in, "fixture tiny-llama-f16.gguf"), model);
    }
    List<String> args =
        List.of("-m", model.toString(), "-c", "4096", "-np", "1", "-t", "1", "--no-repack");
    try (FakeServerProcess a = real(bin, args, "a");
        FakeServerProcess b = real(bin, args, "b");
        RoutingRegistry registry = new RoutingRegistry(Clock.systemUTC())) {
      a.awaitHealthy(Duration.ofSeconds(60));
      b.awaitHealthy(Duration.ofSeconds(60));
      registry.update(
          t ->
              t.put(
                  new ModelRoute(
                      "m",
                      "m",
                      "ready",
                      List.of(Tables.ready(a.port(), 1, 1), Tables.ready(b.port(), 2, 1)))));
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      try (GatewayServer gw =
          new GatewayServer(
                  GatewayOptions.builder().port(0).build(),
                  registry::subscribe,
                  ModelDirectory.NONE,
                  ModelStarter.NONE,
                  meters)
              .start()) {
        List<Double> with = new ArrayList<>();
        List<Double> without = new ArrayList<>();
        for (int c = 0; c < conversations; c++) {
          // interleaved: one stateful conversation, then one stateless, and so on
          with.addAll(conversation(gw.port(), c, true));
          without.addAll(conversation(gw.port(), c, false));
        }
        double hits = meters.get("llama.gateway.conversation.affinity.hits").counter().count();
        System.out.printf(
            "conversation TTFT turns 2-%d, %d conversations each, 2 replicas:%n"
                + "  with affinity    p50 %.1f ms  p90 %.1f ms  mean %.1f ms%n"
                + "  without affinity p50 %.1f ms  p90 %.1f ms  mean %.1f ms%n"
                + "  affinity hits %.0f of %d stateful turns%n",
            TURNS,
            conversations,
            pct(with, 50),
            pct(with, 90),
            mean(with),
            pct(without, 50),
            pct(without, 90),
            mean(without),
            hits,
            with.size());
        assertEquals((TURNS - 1) * conversations, with.size());
        assertTrue(hits >= with.size() * 0.9, "affinity hits " + hits);
      }
    }
  }

  private FakeServerProcess real(String bin, List<String> args, String name) throws Exception {
    Path work = Files.createDirectories(dir.resolve(name));
    return FakeServerProcess.start(
        x -> {
          List<String> cmd = new ArrayList<>();
          cmd.add(bin);
          cmd.addAll(x);
          return cmd;
        },
        args,
        Map.of(),
        work);
  }

  /** One 10-turn conversation; the TTFT in ms of turns 2..10. */
  private List<Double> conversation(int port, int n, boolean stateful) throws Exception {
    List<Double> ttft = new ArrayList<>();
    ArrayNode history = JSON.createArrayNode();
    String previous = null;
    for (int turn = 1; turn <= TURNS; turn++) {
      String text = message(n, turn, stateful);
      ObjectNode body = JSON.createObjectNode().put("model", "m").put("stream", true);
      body.put("max_output_tokens", 16).put("temperature", 0);
      ObjectNode user = JSON.createObjectNode().put("role", "user").put("content", text);
      if (stateful) {
        body.putArray("input").add(user);
        if (previous != null) {
          body.put("previous_response_id", previous);
        }
      } else {
        history.add(user);
        body.put("store", false);
        body.set("input", history.deepCopy());
      }
      long t0 = System.nanoTime();
      HttpResponse<java.io.InputStream> r =
          CLIENT.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/responses"))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                  .build(),
              HttpResponse.BodyHandlers.ofInputStream());
      if (r.statusCode() != 200) {
        throw new AssertionError(
            "turn " + turn + ": " + r.statusCode() + " " + new String(r.body().readAllBytes()));
      }
      long first = -1;
      JsonNode completed = null;
      try (BufferedReader in =
          new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
        String line;
        String event = "";
        while ((line = in.readLine()) != null) {
          if (line.startsWith("event: ")) {
            event = line.substring(7);
          } else if (line.startsWith("data: ")) {
            if (first < 0 && event.equals("response.output_text.delta")) {
              first = System.nanoTime();
            }
            if (event.equals("response.completed")) {
              completed = JSON.readTree(line.substring(6)).path("response");
            }
          }
        }
      }
      assertTrue(completed != null, "turn " + turn + " did not complete");
      if (turn > 1) {
        ttft.add(((first < 0 ? System.nanoTime() : first) - t0) / 1e6);
      }
      previous = completed.path("id").asText();
      if (!stateful) {
        history.addAll((ArrayNode) completed.path("output"));
      }
    }
    return ttft;
  }

  /** About 100 tokens of user text, different per conversation and turn. */
  private static String message(int conversation, int turn, boolean stateful) {
    StringBuilder sb = new StringBuilder();
    sb.append(stateful ? "S" : "L").append(conversation).append(" turn ").append(turn).append(':');
    for (int i = 0; i < 25; i++) {
      sb.append(' ').append("word").append((conversation * 31 + turn * 7 + i) % 97);
    }
    return sb.toString();
  }

  private static double pct(List<Double> v, int p) {
    List<Double> s = new ArrayList<>(v);
    s.sort(null);
    return s.get(Math.min(s.size() - 1, (int) Math.ceil(p / 100.0 * s.size()) - 1));
  }

  private static double mean(List<Double> v) {
    return v.stream().mapToDouble(Double::doubleValue).average().orElse(0);
  }
}
