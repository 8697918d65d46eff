package io.llamasupervisor.cache;

import static io.llamasupervisor.cache.Fixtures.answer;
import static io.llamasupervisor.cache.Fixtures.chat;
import static io.llamasupervisor.cache.Fixtures.chatJson;
import static io.llamasupervisor.cache.Fixtures.chatSse;
import static io.llamasupervisor.cache.Fixtures.flush;
import static io.llamasupervisor.cache.Fixtures.request;
import static io.llamasupervisor.cache.Fixtures.stream;
import static io.llamasupervisor.cache.Fixtures.streaming;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llamasupervisor.cache.CacheLookup.Bypass;
import io.llamasupervisor.cache.CacheLookup.BypassReason;
import io.llamasupervisor.cache.CacheLookup.Hit;
import io.llamasupervisor.cache.CacheLookup.Miss;
import io.llamasupervisor.testing.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The exact cache, in memory, through the API the gateway calls. */
class ResponseCacheTest {
  private final MutableClock clock = MutableClock.atEpochOfTests();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final List<ResponseCache> caches = new ArrayList<>();

  private ResponseCache cache(CacheConfig config) {
    ResponseCache c =
        ResponseCache.builder(config, registry).clock(clock).embedder(new FakeEmbedder()).build();
    caches.add(c);
    return c;
  }

  private ResponseCache exact() {
    return cache(CacheConfig.defaults().withModel("**", true, false, null));
  }

  @AfterEach
  void close() {
    caches.forEach(ResponseCache::close);
  }

  private double requests(String result) {
    var c = registry.find("llama.gateway.cache.requests").tag("result", result).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void aDeterministicRequestTwiceIsAMissThenAHitWithTheSameBody() throws Exception {
    ResponseCache cache = exact();
    ObjectNode body = chat("What is 2+2?");
    CacheLookup first = cache.lookup(request(body));
    assertInstanceOf(Miss.class, first);
    assertEquals("miss", first.header());
    answer(first, chatJson("4"));
    flush(cache);

    CacheLookup second = cache.lookup(request(body));
    Hit hit = assertInstanceOf(Hit.class, second);
    assertEquals("hit", hit.header());
    assertEquals("application/json", hit.replay().contentType());
    assertEquals(chatJson("4"), hit.replay().bodyText());
    assertEquals(1, requests("miss"));
    assertEquals(1, requests("hit"));
  }

  @Test
  void requestsWithoutTemperatureZeroTopKOneOrASeedAreNeverCached() throws Exception {
    ResponseCache cache = exact();
    ObjectNode noTemp = chat("Tell me a story");
    noTemp.remove("temperature");
    ObjectNode warm = chat("Tell me a story").put("temperature", 0.7);
    ObjectNode randomSeed = chat("Tell me a story").put("temperature", 0.7).put("seed", -1);
    for (ObjectNode b : List.of(noTemp, warm, randomSeed)) {
      for (int i = 0; i < 2; i++) {
        CacheLookup l = cache.lookup(request(b));
        Bypass bypass = assertInstanceOf(Bypass.class, l);
        assertEquals(BypassReason.NOT_DETERMINISTIC, bypass.reason());
        assertSame(ResponseRecorder.NONE, l.recorder());
        answer(l, chatJson("once upon a time"));
      }
    }
    flush(cache);
    assertEquals(6, requests("bypass"));
    assertEquals(0, requests("hit"));

    ObjectNode seeded = chat("Tell me a story").put("temperature", 0.7).put("seed", 42);
    ObjectNode topK = chat("Tell me a story").put("temperature", 0.7).put("top_k", 1);
    for (ObjectNode b : List.of(seeded, topK)) {
      answer(assertInstanceOf(Miss.class, cache.lookup(request(b))), chatJson("seeded"));
      flush(cache);
      assertInstanceOf(Hit.class, cache.lookup(request(b)));
    }
  }

  @Test
  void streamStreamOptionsUserKeyOrderAndNumberFormsDoNotChangeTheKey() throws Exception {
    ResponseCache cache = exact();
    byte[] a =
        "{\"model\":\"m\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
            .getBytes(StandardCharsets.UTF_8);
    byte[] b =
        ("{\"messages\":[{\"content\":\"hi\",\"role\":\"user\"}],\"user\":\"u-1\",\"stream\":false,"
                + "\"stream_options\":{\"include_usage\":true},\"temperature\":0,\"model\":\"m\"}")
            .getBytes(StandardCharsets.UTF_8);
    answer(cache.lookup(raw(a)), chatJson("hello"));
    flush(cache);
    assertInstanceOf(Hit.class, cache.lookup(raw(b)));
  }

  /** Regression: a request by alias missed the entry of the same request by the model's id. */
  @Test
  void theModelNameInTheBodyIsNotPartOfTheKey() throws Exception {
    ResponseCache cache = exact();
    String byAlias =
        "{\"model\":\"tiny\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    answer(cache.lookup(raw(byAlias.getBytes(StandardCharsets.UTF_8))), chatJson("hello"));
    flush(cache);
    String byId = byAlias.replace("\"tiny\"", "\"publisher/repo/tiny\"");
    assertInstanceOf(Hit.class, cache.lookup(raw(byId.getBytes(StandardCharsets.UTF_8))));
  }

  /** Regression: a lone surrogate was written as "?", so the body got a question mark's answer. */
  @Test
  void aBodyWithALoneSurrogateIsNeverAnsweredFromTheCache() throws Exception {
    ResponseCache cache = exact();
    String ok =
        "{\"model\":\"m\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"What is ?\"}]}";
    String lone =
        "{\"model\":\"m\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"What is \\ud800\"}]}";
    answer(cache.lookup(raw(ok.getBytes(StandardCharsets.UTF_8))), chatJson("A question mark."));
    flush(cache);
    CacheLookup l = cache.lookup(raw(lone.getBytes(StandardCharsets.UTF_8)));
    assertEquals(BypassReason.INVALID_BODY, assertInstanceOf(Bypass.class, l).reason());
  }

  /** Regression: llama-server applies a logit_bias pair only when its token id is an integer. */
  @Test
  void aWholeFloatTokenIdDoesNotGetTheIntegerIdsAnswer() throws Exception {
    ResponseCache cache = exact();
    String msgs =
        ",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}";
    byte[] banned =
        ("{\"model\":\"m\",\"logit_bias\":[[15043,-100]]" + msgs).getBytes(StandardCharsets.UTF_8);
    byte[] ignored =
        ("{\"model\":\"m\",\"logit_bias\":[[15043.0,-100]]" + msgs)
            .getBytes(StandardCharsets.UTF_8);
    answer(cache.lookup(raw(banned)), chatJson("Greetings!"));
    flush(cache);
    assertInstanceOf(Miss.class, cache.lookup(raw(ignored)));
    assertInstanceOf(Hit.class, cache.lookup(raw(banned)));
  }

  /** Regression: llama-server's /completions is its native endpoint, not /v1/completions. */
  @Test
  void theNativeCompletionsPathIsNotCached() {
    assertEquals(java.util.Optional.empty(), Endpoint.ofPath("/completions"));
    assertEquals(java.util.Optional.of(Endpoint.COMPLETIONS), Endpoint.ofPath("/v1/completions/"));
    assertEquals(
        java.util.Optional.of(Endpoint.CHAT_COMPLETIONS), Endpoint.ofPath("/chat/completions"));
  }

  /** Regression: a streamed answer served a JSON request with logprobs, without its logprobs. */
  @Test
  void withLogprobsAStreamedAnswerNeverServesAJsonRequest() throws Exception {
    ResponseCache cache = exact();
    ObjectNode body = chat("Say hi");
    body.put("logprobs", true);
    String lp =
        "\"logprobs\":{\"content\":[{\"token\":\"Hi\",\"logprob\":-0.1,\"bytes\":[72,105],"
            + "\"top_logprobs\":[]}]}";
    String head =
        ",\"created\":1,\"id\":\"c\",\"model\":\"m\",\"object\":\"chat.completion.chunk\"";
    stream(
        cache.lookup(request(streaming(body, false))),
        List.of(
            "data: {\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":\"Hi\"},"
                + lp
                + "}]"
                + head
                + "}\n\n",
            "data: {\"choices\":[{\"finish_reason\":\"stop\",\"index\":0,\"delta\":{}}]"
                + head
                + "}\n\n",
            "data: [DONE]\n\n"));
    flush(cache);
    assertInstanceOf(Hit.class, cache.lookup(request(streaming(body, false))));
    CacheLookup json = cache.lookup(request(body));
    assertInstanceOf(Miss.class, json);
    answer(
        json,
        "{\"choices\":[{\"finish_reason\":\"stop\",\"index\":0,\"message\":{\"role\":\"assistant\","
            + "\"content\":\"Hi\"},"
            + lp
            + "}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}");
    flush(cache);
    JsonNode replayed =
        Fixtures.JSON.readTree(
            assertInstanceOf(Hit.class, cache.lookup(request(body))).replay().bodyText());
    assertTrue(replayed.path("choices").path(0).has("logprobs"), replayed.toString());
  }

  /**
   * Regression: a stream recorded without usage answered requests that get usage (a JSON request, a
   * stream with include_usage) without it; the usage now comes from its timings.
   */
  @Test
  void aStreamRecordedWithoutUsageAnswersWithTheUsageItsTimingsGive() throws Exception {
    ResponseCache cache = exact();
    ObjectNode body = chat("What is 2+2?");
    stream(cache.lookup(request(streaming(body, false))), chatSse(false, "4"));
    flush(cache);
    List<String> events =
        events(assertInstanceOf(Hit.class, cache.lookup(request(streaming(body, true)))).replay());
    assertEquals("[DONE]", events.get(events.size() - 1));
    JsonNode last = Fixtures.JSON.readTree(events.get(events.size() - 2));
    assertEquals(0, last.path("choices").size(), last.toString());
    assertEquals(
        Fixtures.JSON.readTree(
            "{\"completion_tokens\":3,\"prompt_tokens\":37,\"total_tokens\":40,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":1}}"),
        last.get("usage"));
    JsonNode json =
        Fixtures.JSON.readTree(
            assertInstanceOf(Hit.class, cache.lookup(request(body))).replay().bodyText());
    assertEquals(last.get("usage"), json.get("usage"));
    Hit plain = assertInstanceOf(Hit.class, cache.lookup(request(streaming(body, false))));
    assertEquals(4, events(plain.replay()).size(), "no usage event without include_usage");
  }

  @Test
  void aStreamWithoutUsageOrTimingsDoesNotAnswerARequestThatGetsUsage() throws Exception {
    ResponseCache cache = exact();
    ObjectNode body = chat("What is 3+3?");
    List<String> bare = new ArrayList<>(chatSse(false, "6"));
    bare.replaceAll(e -> e.replace(",\"timings\":" + Fixtures.TIMINGS, ""));
    stream(cache.lookup(request(streaming(body, false))), bare);
    flush(cache);
    assertInstanceOf(Hit.class, cache.lookup(request(streaming(body, false))));
    assertInstanceOf(Miss.class, cache.lookup(request(streaming(body, true))));
    assertInstanceOf(Miss.class, cache.lookup(request(body)));
  }

  private static CacheRequest raw(byte[] body) {
    return new CacheRequest(
        Endpoint.CHAT_COMPLETIONS, Fixtures.MODEL, "plan-1", body, null, null, null);
  }

  @Test
  void aStreamedMissIsReplayedAsTheSameEventsAndAsJsonForANonStreamingRequest() throws Exception {
    ResponseCache cache = exact();
    ObjectNode body = chat("Say hello");
    List<String> sse = chatSse(false, "Hel", "lo", "!");
    stream(cache.lookup(request(streaming(body, false))), sse);
    flush(cache);

    Hit hit = assertInstanceOf(Hit.class, cache.lookup(request(streaming(body, false))));
    assertEquals("text/event-stream", hit.replay().contentType());
    assertEquals(String.join("", sse), hit.replay().bodyText());
    assertEquals(sse.size(), hit.replay().chunks().size());

    Hit json = assertInstanceOf(Hit.class, cache.lookup(request(body)));
    JsonNode n = Fixtures.JSON.readTree(json.replay().bodyText());
    assertEquals("chat.completion", n.get("object").asText());
    assertEquals("Hello!", n.at("/choices/0/message/content").asText());
    assertEquals("assistant", n.at("/choices/0/message/role").asText());
    assertEquals("stop", n.at("/choices/0/finish_reason").asText());
    assertEquals("chatcmpl-xyz", n.get("id").asText());
  }

  @Test
  void aJsonMissIsReplayedToAStreamingRequestAsRoleContentFinishAndUsageEvents() throws Exception {
    ResponseCache cache = exact();
    ObjectNode body = chat("Say hello");
    answer(cache.lookup(request(body)), chatJson("Hello!"));
    flush(cache);

    Hit hit = assertInstanceOf(Hit.class, cache.lookup(request(streaming(body, true))));
    List<String> events = events(hit.replay());
    assertEquals(5, events.size(), events.toString());
    JsonNode role = Fixtures.JSON.readTree(events.get(0));
    assertEquals("assistant", role.at("/choices/0/delta/role").asText());
    assertTrue(role.at("/choices/0/delta/content").isNull());
    assertEquals("chat.completion.chunk", role.get("object").asText());
    assertEquals(
        "Hello!", Fixtures.JSON.readTree(events.get(1)).at("/choices/0/delta/content").asText());
    JsonNode fin = Fixtures.JSON.readTree(events.get(2));
    assertEquals("stop", fin.at("/choices/0/finish_reason").asText());
    JsonNode usage = Fixtures.JSON.readTree(events.get(3));
    assertEquals(0, usage.get("choices").size());
    assertEquals(40, usage.at("/usage/total_tokens").asInt());
    assertEquals("[DONE]", events.get(4));

    Hit noUsage = assertInstanceOf(Hit.class, cache.lookup(request(streaming(body, false))));
    assertEquals(4, events(noUsage.replay()).size());
  }

  @Test
  void aStreamRecordedWithUsageLosesTheUsageEventForARequestThatDidNotAskForIt() throws Exception {
    ResponseCache cache = exact();
    ObjectNode body = chat("Say hello");
    stream(cache.lookup(request(streaming(body, true))), chatSse(true, "Hi"));
    flush(cache);
    Hit with = assertInstanceOf(Hit.class, cache.lookup(request(streaming(body, true))));
    Hit without = assertInstanceOf(Hit.class, cache.lookup(request(streaming(body, false))));
    assertEquals(events(with.replay()).size() - 1, events(without.replay()).size());
  }

  static List<String> events(Replay r) {
    List<String> out = new ArrayList<>();
    for (byte[] c : r.chunks()) {
      String s = new String(c, StandardCharsets.UTF_8);
      assertTrue(s.startsWith("data: ") && s.endsWith("\n\n"), s);
      out.add(s.substring(6, s.length() - 2));
    }
    return out;
  }

  @Test
  void incompleteFailedAndAbortedResponsesAreNotStored() throws Exception {
    ResponseCache cache = exact();
    ObjectNode body = chat("Say hello");
    List<String> cut = new ArrayList<>(chatSse(false, "Hel", "lo"));
    cut.remove(cut.size() - 1); // no [DONE]: the stream was cut
    stream(cache.lookup(request(streaming(body, false))), cut);

    List<String> error =
        List.of(
            chatSse(false, "Hel").get(0),
            "data: {\"error\":{\"code\":500,\"message\":\"x\",\"type\":\"server_error\"}}\n\n");
    stream(cache.lookup(request(streaming(body, false))), error);

    CacheLookup l500 = cache.lookup(request(body));
    l500.recorder().start(500, "application/json");
    l500.recorder().chunk("{\"error\":{\"code\":500}}".getBytes(StandardCharsets.UTF_8));
    l500.recorder().complete();

    CacheLookup aborted = cache.lookup(request(body));
    aborted.recorder().start(200, "application/json");
    aborted.recorder().chunk(chatJson("x").getBytes(StandardCharsets.UTF_8));
    aborted.recorder().abort();
    aborted.recorder().complete();

    CacheLookup half = cache.lookup(request(body));
    half.recorder().start(200, "application/json");
    half.recorder().chunk(chatJson("x").substring(0, 40).getBytes(StandardCharsets.UTF_8));
    half.recorder().complete();

    CacheLookup error200 = cache.lookup(request(body));
    error200.recorder().start(200, "application/json");
    error200.recorder().chunk("{\"choices\":[],\"error\":{}}".getBytes(StandardCharsets.UTF_8));
    error200.recorder().complete();

    CacheLookup trailing = cache.lookup(request(body));
    trailing.recorder().start(200, "application/json");
    trailing.recorder().chunk((chatJson("x") + " {}").getBytes(StandardCharsets.UTF_8));
    trailing.recorder().complete();
    flush(cache);

    assertInstanceOf(Miss.class, cache.lookup(request(body)));
    assertInstanceOf(Miss.class, cache.lookup(request(streaming(body, false))));
  }

  @Test
  void anAnswerFedInDirectBufferPiecesIsStoredWhole() throws Exception {
    ResponseCache cache = exact();
    ObjectNode body = chat("Say hello");
    byte[] json = chatJson("Hello").getBytes(StandardCharsets.UTF_8);
    CacheLookup miss = cache.lookup(request(body));
    miss.recorder().start(200, "application/json");
    for (int at = 0; at < json.length; at += 7) {
      int n = Math.min(7, json.length - at);
      ByteBuffer piece = ByteBuffer.allocateDirect(n).put(json, at, n).flip();
      miss.recorder().chunk(piece);
      assertEquals(n, piece.remaining(), "the caller's buffer is left as it was");
    }
    miss.recorder().complete();
    flush(cache);
    Hit hit = assertInstanceOf(Hit.class, cache.lookup(request(body)));
    assertEquals(
        new String(json, StandardCharsets.UTF_8),
        new String(hit.replay().body(), StandardCharsets.UTF_8));
  }

  @Test
  void noCacheSkipsTheLookupButStoresNoStoreLooksUpButDoesNotStore() throws Exception {
    ResponseCache cache = exact();
    ObjectNode body = chat("Say hello");
    CacheLookup fresh = cache.lookup(request(body, "plan-1", "no-cache", null, null));
    assertEquals(BypassReason.NO_CACHE, assertInstanceOf(Bypass.class, fresh).reason());
    answer(fresh, chatJson("v1"));
    flush(cache);
    assertEquals(
        chatJson("v1"),
        assertInstanceOf(Hit.class, cache.lookup(request(body))).replay().bodyText());

    CacheLookup again = cache.lookup(request(body, "plan-1", "No-Cache", null, null));
    answer(again, chatJson("v2"));
    flush(cache);
    assertEquals(
        chatJson("v2"),
        assertInstanceOf(Hit.class, cache.lookup(request(body))).replay().bodyText());

    ObjectNode other = chat("Say bye");
    CacheLookup noStore = cache.lookup(request(other, "plan-1", "no-store", null, null));
    assertInstanceOf(Miss.class, noStore);
    assertSame(ResponseRecorder.NONE, noStore.recorder());
    answer(noStore, chatJson("bye"));
    flush(cache);
    assertInstanceOf(Miss.class, cache.lookup(request(other)));
    assertInstanceOf(Hit.class, cache.lookup(request(body, "plan-1", "no-store", null, null)));

    CacheLookup both = cache.lookup(request(body, "plan-1", "no-store, no-cache", null, null));
    assertEquals(BypassReason.NO_CACHE_NO_STORE, assertInstanceOf(Bypass.class, both).reason());
  }

  @Test
  void aNewPlanAnotherScopeHeaderOrAnotherCallerIsAMiss() throws Exception {
    ResponseCache cache = exact();
    ObjectNode body = chat("Summarize the document");
    answer(cache.lookup(request(body, "plan-1", null, "tenant-a", "key-a")), chatJson("sum"));
    flush(cache);
    assertInstanceOf(Hit.class, cache.lookup(request(body, "plan-1", null, "tenant-a", "key-a")));
    assertInstanceOf(Miss.class, cache.lookup(request(body, "plan-2", null, "tenant-a", "key-a")));
    assertInstanceOf(Miss.class, cache.lookup(request(body, "plan-1", null, "tenant-b", "key-a")));
    assertInstanceOf(Miss.class, cache.lookup(request(body, "plan-1", null, null, "key-a")));
    assertInstanceOf(Miss.class, cache.lookup(request(body, "plan-1", null, "tenant-a", "key-b")));
  }

  @Test
  void shareAcrossKeysLetsCallersShareEntries() throws Exception {
    CacheConfig shared =
        CacheConfig.parse(
            java.util.Map.of(
                "cache", java.util.Map.of("share-across-keys", true),
                "models",
                    java.util.Map.of(
                        "**", java.util.Map.of("cache", java.util.Map.of("exact", true)))));
    ResponseCache cache = cache(shared);
    ObjectNode body = chat("Summarize the document");
    answer(cache.lookup(request(body, "plan-1", null, null, "key-a")), chatJson("sum"));
    flush(cache);
    assertInstanceOf(Hit.class, cache.lookup(request(body, "plan-1", null, null, "key-b")));
  }

  @Test
  void aModelWithoutCacheSettingsBypasses() throws Exception {
    ResponseCache cache = cache(CacheConfig.defaults().withModel("other/**", true, true, null));
    CacheLookup l = cache.lookup(request(chat("hi")));
    assertEquals(BypassReason.DISABLED, assertInstanceOf(Bypass.class, l).reason());
    assertEquals("bypass", l.header());
  }

  @Test
  void anInvalidBodyBypasses() {
    ResponseCache cache = exact();
    CacheLookup l = cache.lookup(raw("not json".getBytes(StandardCharsets.UTF_8)));
    assertEquals(BypassReason.INVALID_BODY, assertInstanceOf(Bypass.class, l).reason());
  }

  @Test
  void entriesExpireAfterTheTtl() throws Exception {
    ResponseCache cache =
        cache(
            CacheConfig.defaults()
                .withBounds(1 << 20, Duration.ofMinutes(10))
                .withModel("**", true, false, null));
    ObjectNode body = chat("hi");
    answer(cache.lookup(request(body)), chatJson("hello"));
    flush(cache);
    clock.advance(Duration.ofMinutes(9));
    assertInstanceOf(Hit.class, cache.lookup(request(body)));
    clock.advance(Duration.ofMinutes(2));
    assertInstanceOf(Miss.class, cache.lookup(request(body)));
  }

  @Test
  void theByteBoundEvictsOldEntries() throws Exception {
    ResponseCache cache =
        cache(
            CacheConfig.defaults()
                .withBounds(20_000, Duration.ofHours(1))
                .withModel("**", true, false, null));
    String big = "x".repeat(2_000);
    for (int i = 0; i < 20; i++) {
      answer(cache.lookup(request(chat("q" + i))), chatJson(big));
    }
    flush(cache);
    cache.maintainNow();
    double evicted =
        registry.find("llama.gateway.cache.evictions").tag("cause", "size").counter().count();
    assertTrue(evicted >= 10, "evicted " + evicted);
    double bytes = registry.find("llama.gateway.cache.bytes").gauge().value();
    assertTrue(bytes <= 20_000, "bytes " + bytes);
  }

  @Test
  void aSlowEmbedderMakesTheLookupAMissAndTheAnswerIsStillIndexedLater() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    FakeEmbedder slow = new FakeEmbedder(release);
    ResponseCache cache =
        ResponseCache.builder(
                CacheConfig.defaults()
                    .withSemanticTimeout(Duration.ofMillis(20))
                    .withModel("**", false, true, null),
                registry)
            .clock(clock)
            .embedder(slow)
            .build();
    caches.add(cache);
    CacheLookup l = cache.lookup(request(chat("What is the capital of France?")));
    assertInstanceOf(Miss.class, l);
    assertEquals(
        1,
        registry
            .find("llama.gateway.cache.embedder.failures")
            .tag("reason", "timeout")
            .counter()
            .count());
    answer(l, chatJson("Paris"));
    release.countDown();
    flush(cache);
    assertEquals(1, cache.index().size());
  }

  @Test
  void aFailingEmbedderMakesTheLookupAMiss() {
    ResponseCache cache =
        ResponseCache.builder(CacheConfig.defaults().withModel("**", false, true, null), registry)
            .clock(clock)
            .embedder(new FakeEmbedder(true))
            .build();
    caches.add(cache);
    assertInstanceOf(Miss.class, cache.lookup(request(chat("What is the capital of France?"))));
    assertEquals(
        1,
        registry
            .find("llama.gateway.cache.embedder.failures")
            .tag("reason", "error")
            .counter()
            .count());
  }

  @Test
  void metricsRenderWithThePrometheusNamesTheAlertRulesUse() throws Exception {
    PrometheusMeterRegistry prom = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ResponseCache cache =
        ResponseCache.builder(CacheConfig.defaults().withModel("**", true, false, null), prom)
            .clock(clock)
            .embedder(new FakeEmbedder())
            .build();
    caches.add(cache);
    ObjectNode body = chat("hi");
    answer(cache.lookup(request(body)), chatJson("hello"));
    flush(cache);
    cache.lookup(request(body));
    String text = prom.scrape();
    assertTrue(
        text.contains(
            "llama_gateway_cache_requests_total{model=\"org/repo/model-q8_0\",result=\"hit\"} 1.0"),
        text);
    assertTrue(
        text.contains(
            "llama_gateway_cache_requests_total{model=\"org/repo/model-q8_0\",result=\"miss\"} 1.0"));
    assertTrue(text.contains("llama_gateway_cache_entries{kind=\"exact\"} 1.0"), text);
    assertTrue(text.contains("llama_gateway_cache_bytes "), text);
    assertTrue(text.contains("llama_gateway_cache_stores_total{kind=\"exact\""), text);
  }

  @Test
  void theCacheStoresNothingWhenTheRecorderWasNeverStarted() throws Exception {
    ResponseCache cache = exact();
    CacheLookup l = cache.lookup(request(chat("hi")));
    l.recorder().complete();
    flush(cache);
    assertInstanceOf(Miss.class, cache.lookup(request(chat("hi"))));
    assertNull(registry.find("llama.gateway.cache.stores").counter());
  }

  /** The gateway looks up on its event loop only where nothing can wait (Redis: RedisCacheIT). */
  @Test
  void onlyASemanticOrRedisLookupMayWait() {
    assertFalse(exact().lookupMayWait("m"), "exact in memory");
    ResponseCache both = cache(CacheConfig.defaults().withModel("sem/**", true, true, null));
    assertTrue(both.lookupMayWait("sem/a"), "semantic: the embedder");
    assertFalse(both.lookupMayWait("other"), "not cached at all");
  }

  private static ObjectNode withImage(ObjectNode body, String url) {
    ObjectNode b = body.deepCopy();
    ObjectNode last = (ObjectNode) b.withArray("messages").get(b.withArray("messages").size() - 1);
    var parts = Fixtures.JSON.createArrayNode();
    parts.addObject().put("type", "text").put("text", last.get("content").asText());
    parts.addObject().put("type", "image_url").putObject("image_url").put("url", url);
    last.set("content", parts);
    return b;
  }

  private double stores() {
    return registry.find("llama.gateway.cache.stores").counters().stream()
        .mapToDouble(io.micrometer.core.instrument.Counter::count)
        .sum();
  }

  /**
   * Regression: with only the semantic cache on, a request it can never answer (an image part, a
   * last message that is not the user's) still stored its answer as an exact entry, which nothing
   * served and which took the byte bound from the semantic entries, evicting them.
   */
  @Test
  void aSemanticOnlyModelStoresNothingForRequestsTheSemanticCacheCannotServe() throws Exception {
    ResponseCache cache =
        cache(
            CacheConfig.defaults()
                .withBounds(20_000, Duration.ofHours(1))
                .withModel("**", false, true, null));
    answer(cache.lookup(request(chat("What is the capital of France?"))), chatJson("Paris"));
    flush(cache);
    assertEquals(1, stores());

    String big = "x".repeat(2_000);
    for (int i = 0; i < 20; i++) {
      ObjectNode image = withImage(chat("What is in this picture?"), "https://x/" + i + ".png");
      ObjectNode assistantLast = chat("Tell me about cats " + i);
      assistantLast
          .withArray("messages")
          .addObject()
          .put("role", "assistant")
          .put("content", "Cats");
      for (ObjectNode body : List.of(image, assistantLast)) {
        CacheLookup l = cache.lookup(request(body));
        Bypass bypass = assertInstanceOf(Bypass.class, l);
        assertEquals(BypassReason.NO_SEMANTIC_PROMPT, bypass.reason());
        answer(l, chatJson(big));
      }
    }
    flush(cache);
    cache.maintainNow();
    assertEquals(1, stores(), "nothing more was stored");
    assertInstanceOf(
        CacheLookup.SemanticHit.class,
        cache.lookup(request(chat("What is the capital of France?"))),
        "the semantic entry was not evicted for answers nothing can serve");
  }

  /**
   * Regression: with only the semantic cache, an answer whose prompt failed to embed was stored.
   */
  @Test
  void aSemanticOnlyModelStoresNoAnswerWhosePromptCouldNotBeEmbedded() throws Exception {
    ResponseCache cache =
        ResponseCache.builder(CacheConfig.defaults().withModel("**", false, true, null), registry)
            .clock(clock)
            .embedder(new FakeEmbedder(true))
            .build();
    caches.add(cache);
    answer(cache.lookup(request(chat("What is the capital of France?"))), chatJson("Paris"));
    flush(cache);
    assertEquals(0, stores());
    assertEquals(0.0, registry.find("llama.gateway.cache.bytes").gauge().value());
  }
}
