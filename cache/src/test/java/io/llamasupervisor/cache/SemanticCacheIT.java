package io.llamasupervisor.cache;

import static io.llamasupervisor.cache.Fixtures.answer;
import static io.llamasupervisor.cache.Fixtures.chat;
import static io.llamasupervisor.cache.Fixtures.chatJson;
import static io.llamasupervisor.cache.Fixtures.flush;
import static io.llamasupervisor.cache.Fixtures.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llamasupervisor.cache.CacheLookup.Hit;
import io.llamasupervisor.cache.CacheLookup.Miss;
import io.llamasupervisor.cache.CacheLookup.SemanticHit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The semantic cache with the real in-process all-MiniLM-L6-v2 (quantized) embedder, through the
 * API the gateway calls. The embedder timeout is raised so that a busy test machine decides nothing
 * here; the timeout itself is covered by {@code ResponseCacheTest}.
 */
class SemanticCacheIT {
  private static Embedder miniLm;
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final List<ResponseCache> caches = new ArrayList<>();

  @BeforeAll
  static void loadModel() {
    miniLm = new MiniLmEmbedder();
  }

  private ResponseCache semantic(boolean guard) {
    return semantic(guard, true);
  }

  private ResponseCache semantic(boolean guard, boolean exact) {
    CacheConfig config =
        CacheConfig.defaults()
            .withSemanticTimeout(Duration.ofSeconds(10))
            .withModel("**", exact, true, null);
    ResponseCache c =
        ResponseCache.builder(config, registry).embedder(miniLm).lexicalGuard(guard).build();
    caches.add(c);
    return c;
  }

  @AfterEach
  void close() {
    caches.forEach(ResponseCache::close);
  }

  private static CacheRequest scoped(ObjectNode body, String scope) {
    return request(body, "plan-1", null, scope, null);
  }

  @Test
  void aPoliteRephrasingIsASemanticHitWithItsSimilarity() throws Exception {
    ResponseCache cache = semantic(true);
    answer(cache.lookup(request(chat("What is the capital of France?"))), chatJson("Paris."));
    flush(cache);
    CacheLookup l = cache.lookup(request(chat("Could you tell me what the capital of France is?")));
    // the same prompt again is an exact hit
    assertInstanceOf(Hit.class, cache.lookup(request(chat("What is the capital of France?"))));
    CacheLookup polite = cache.lookup(request(chat("What's the capital of France, please?")));
    SemanticHit hit = assertInstanceOf(SemanticHit.class, polite);
    assertEquals("semantic-hit", hit.header());
    assertTrue(hit.similarity() >= 0.95, "similarity " + hit.similarity());
    assertEquals(String.format(Locale.ROOT, "%.3f", hit.similarity()), hit.similarityHeader());
    assertEquals(chatJson("Paris."), hit.replay().bodyText());
    assertEquals(1, registry.find("llama.gateway.cache.semantic.similarity").summary().count());
    // (the "could you tell me" form scores below the threshold with MiniLM: a miss, not wrong)
    assertTrue(l instanceof Miss || l instanceof SemanticHit);
  }

  @Test
  void reversedCitiesScoreAboveTheThresholdAndTheGuardRejectsThem() throws Exception {
    ResponseCache cache = semantic(true);
    answer(cache.lookup(request(chat("Book a flight from Paris to Rome."))), chatJson("Booked."));
    flush(cache);
    float sim =
        Vectors.dot(
            miniLm.embed("Book a flight from Paris to Rome."),
            miniLm.embed("Book a flight from Rome to Paris."));
    assertTrue(sim >= 0.95, "the embedding alone would serve it: " + sim);
    assertInstanceOf(Miss.class, cache.lookup(request(chat("Book a flight from Rome to Paris."))));
    assertEquals(
        1,
        registry
            .find("llama.gateway.cache.semantic.rejected")
            .tag("reason", "lexical_guard")
            .counter()
            .count());
  }

  /**
   * The exact cache is off here, so the same follow-up in the same scope is a semantic hit (at
   * similarity 1) and everything else shows the scope at work.
   */
  @Test
  void anotherSystemPromptDocumentConversationOrScopeHeaderIsAMiss() throws Exception {
    ResponseCache cache = semantic(true, false);
    String doc = "Contract A: the tenant may terminate with 30 days notice.";
    String otherDoc = "Contract B: the tenant may terminate with 90 days notice.";
    ObjectNode stored = chat("You are a lawyer. Document: " + doc, List.of(), "summarize this");
    answer(cache.lookup(scoped(stored, "tenant-1")), chatJson("30 days notice."));
    flush(cache);

    // the same follow-up in the same conversation about the same document: served
    ObjectNode same = chat("You are a lawyer. Document: " + doc, List.of(), "summarize this");
    assertInstanceOf(SemanticHit.class, cache.lookup(scoped(same, "tenant-1")));
    // another document in the system prompt
    ObjectNode otherDocument =
        chat("You are a lawyer. Document: " + otherDoc, List.of(), "summarize this");
    assertInstanceOf(Miss.class, cache.lookup(scoped(otherDocument, "tenant-1")));
    // another system prompt
    ObjectNode otherSystem = chat("You are a poet. Document: " + doc, List.of(), "summarize this");
    assertInstanceOf(Miss.class, cache.lookup(scoped(otherSystem, "tenant-1")));
    // the same follow-up in another conversation (earlier turns differ)
    ObjectNode otherConversation =
        chat(
            "You are a lawyer. Document: " + doc,
            List.of("hello", "Hi! How can I help?"),
            "summarize this");
    assertInstanceOf(Miss.class, cache.lookup(scoped(otherConversation, "tenant-1")));
    // another X-Cache-Scope, another caller
    assertInstanceOf(Miss.class, cache.lookup(scoped(same, "tenant-2")));
    assertInstanceOf(Miss.class, cache.lookup(request(same, "plan-1", null, "tenant-1", "bob")));
    // another plan (a new file or new flags)
    assertInstanceOf(Miss.class, cache.lookup(request(same, "plan-2", null, "tenant-1", null)));
    // other sampling parameters
    ObjectNode longer = same.deepCopy().put("max_tokens", 10);
    assertInstanceOf(Miss.class, cache.lookup(scoped(longer, "tenant-1")));
    // a document passed as a tool definition is part of the scope too
    ObjectNode withTool = same.deepCopy();
    withTool
        .putArray("tools")
        .addObject()
        .put("type", "function")
        .putObject("function")
        .put("name", "lookup_clause");
    assertInstanceOf(Miss.class, cache.lookup(scoped(withTool, "tenant-1")));
  }

  @Test
  void nonTextLastMessagesUseOnlyTheExactCache() throws Exception {
    ResponseCache cache = semantic(true);
    ObjectNode img = chat("What is in this picture?");
    ObjectNode msg = (ObjectNode) img.withArray("messages").get(0);
    msg.putArray("content")
        .addObject()
        .put("type", "image_url")
        .putObject("image_url")
        .put("url", "data:image/png;base64,AAAA");
    answer(cache.lookup(request(img)), chatJson("A cat."));
    flush(cache);
    assertEquals(0, cache.index().size());
    assertInstanceOf(Hit.class, cache.lookup(request(img)));
  }

  /**
   * The corpus end to end: each pair in a scope of its own, the first prompt answered and stored,
   * the second looked up; at the defaults (threshold 0.95, guard on) no near-miss may be served.
   * The hit rates with and without the guard go to {@code target/semantic-corpus-report.md}.
   */
  @Test
  void theCorpusServesNoNearMissAtTheDefaults() throws Exception {
    ResponseCache guarded = semantic(true);
    ResponseCache unguarded = semantic(false);
    StringBuilder report = new StringBuilder();
    report.append(
        "| kind | similarity | served without guard | served with guard | stored | asked |\n");
    report.append("|---|---|---|---|---|---|\n");
    int para = 0;
    int paraHitsGuard = 0;
    int paraHitsNoGuard = 0;
    int near = 0;
    int nearHitsGuard = 0;
    int nearHitsNoGuard = 0;
    List<String> falseHits = new ArrayList<>();
    int i = 0;
    for (Corpus.Pair p : Corpus.load()) {
      String scope = "pair-" + i++;
      boolean[] served = new boolean[2];
      int k = 0;
      for (ResponseCache c : List.of(unguarded, guarded)) {
        answer(c.lookup(scoped(chat(p.stored()), scope)), chatJson("answer to " + p.stored()));
        flush(c);
        served[k++] = c.lookup(scoped(chat(p.asked()), scope)) instanceof SemanticHit;
      }
      float sim = Vectors.dot(miniLm.embed(p.stored()), miniLm.embed(p.asked()));
      if (p.paraphrase()) {
        para++;
        paraHitsNoGuard += served[0] ? 1 : 0;
        paraHitsGuard += served[1] ? 1 : 0;
      } else {
        near++;
        nearHitsNoGuard += served[0] ? 1 : 0;
        nearHitsGuard += served[1] ? 1 : 0;
        if (served[1]) {
          falseHits.add(p.stored() + " | " + p.asked());
        }
      }
      report.append(
          String.format(
              Locale.ROOT,
              "| %s | %.3f | %s | %s | %s | %s |%n",
              p.paraphrase() ? "paraphrase" : "near-miss",
              sim,
              served[0] ? "yes" : "no",
              served[1] ? "yes" : "no",
              p.stored(),
              p.asked()));
    }
    String summary =
        String.format(
            Locale.ROOT,
            "paraphrases served: %d/%d without guard, %d/%d with guard; "
                + "near-misses served: %d/%d without guard, %d/%d with guard%n",
            paraHitsNoGuard,
            para,
            paraHitsGuard,
            para,
            nearHitsNoGuard,
            near,
            nearHitsGuard,
            near);
    System.out.print(summary);
    Path out = Path.of("target", "semantic-corpus-report.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, summary + "\n" + report, StandardCharsets.UTF_8);
    assertEquals(List.of(), falseHits, "near-misses served at the defaults");
  }

  static Embedder embedder() throws IOException {
    return miniLm;
  }
}
