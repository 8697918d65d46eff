package io.llamasupervisor.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CanonicalRequestTest {
  private static CanonicalRequest parse(String json) {
    return CanonicalRequest.parse(Endpoint.CHAT_COMPLETIONS, json.getBytes(StandardCharsets.UTF_8))
        .orElseThrow();
  }

  @Test
  void theCanonicalFormSortsKeysDropsStreamStreamOptionsAndUserAndWritesNumbersOneWay() {
    CanonicalRequest r =
        parse(
            "{\"temperature\":0.0,\"stream\":true,\"user\":\"u\",\"stream_options\":"
                + "{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"top_p\":0.50,\"model\":\"m\",\"max_tokens\":1e2}");
    assertEquals(
        "{\"max_tokens\":1E+2,\"messages\":[{\"content\":\"hi\",\"role\":\"user\"}],"
            + "\"model\":\"m\",\"temperature\":0,\"top_p\":0.5}",
        r.canonical());
    assertTrue(r.stream());
    assertTrue(r.includeUsage());
  }

  @Test
  void aStringThatLooksLikeANumberIsNotTheNumber() {
    assertNotEquals(
        parse("{\"temperature\":0,\"seed\":1}").canonical(),
        parse("{\"temperature\":0,\"seed\":\"1\"}").canonical());
  }

  @Test
  void deterministicMeansTemperatureZeroTopKOneOrANonNegativeSeed() {
    assertTrue(parse("{\"temperature\":0}").deterministic());
    assertTrue(parse("{\"temperature\":0.0}").deterministic());
    assertTrue(parse("{\"top_k\":1}").deterministic());
    assertTrue(parse("{\"temperature\":1,\"seed\":0}").deterministic());
    assertFalse(parse("{}").deterministic());
    assertFalse(parse("{\"temperature\":0.2}").deterministic());
    assertFalse(parse("{\"seed\":-1}").deterministic());
    assertFalse(parse("{\"seed\":1.5}").deterministic());
    assertFalse(parse("{\"temperature\":\"0\"}").deterministic());
  }

  @Test
  void theSemanticScopeIsTheBodyWithoutTheLastUserMessagesText() {
    CanonicalRequest a =
        parse(
            "{\"temperature\":0,\"messages\":[{\"role\":\"system\",\"content\":\"doc A\"},"
                + "{\"role\":\"user\",\"content\":\"summarize this\"}]}");
    CanonicalRequest b =
        parse(
            "{\"temperature\":0,\"messages\":[{\"role\":\"system\",\"content\":\"doc A\"},"
                + "{\"role\":\"user\",\"content\":\"please summarize this\"}]}");
    CanonicalRequest c =
        parse(
            "{\"temperature\":0,\"messages\":[{\"role\":\"system\",\"content\":\"doc B\"},"
                + "{\"role\":\"user\",\"content\":\"summarize this\"}]}");
    assertEquals(Optional.of("summarize this"), a.semanticPrompt());
    assertEquals(a.semanticScopeForm(), b.semanticScopeForm());
    assertNotEquals(a.semanticScopeForm(), c.semanticScopeForm());
    assertNotEquals(a.canonical(), b.canonical());
  }

  @Test
  void textPartsCountAsTextImagesOrALastNonUserMessageDoNot() {
    assertEquals(
        Optional.of("a\nb"),
        parse(
                "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},"
                    + "{\"type\":\"text\",\"text\":\"b\"}]}]}")
            .semanticPrompt());
    assertEquals(
        Optional.empty(),
        parse(
                "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\","
                    + "\"image_url\":{\"url\":\"x\"}}]}]}")
            .semanticPrompt());
    assertEquals(
        Optional.empty(),
        parse(
                "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\","
                    + "\"content\":\"Hel\"}]}")
            .semanticPrompt());
    assertEquals(
        Optional.empty(),
        CanonicalRequest.parse(
                Endpoint.COMPLETIONS,
                "{\"prompt\":\"hi\",\"temperature\":0}".getBytes(StandardCharsets.UTF_8))
            .orElseThrow()
            .semanticPrompt());
  }

  @Test
  void anythingButAJsonObjectIsRejected() {
    for (String s : new String[] {"", "[]", "\"x\"", "{", "{} {}"}) {
      assertTrue(
          CanonicalRequest.parse(Endpoint.CHAT_COMPLETIONS, s.getBytes(StandardCharsets.UTF_8))
              .isEmpty(),
          s);
    }
  }

  @Test
  void endpointsAreRecognisedByPath() {
    assertEquals(Optional.of(Endpoint.CHAT_COMPLETIONS), Endpoint.ofPath("/v1/chat/completions"));
    assertEquals(Optional.of(Endpoint.COMPLETIONS), Endpoint.ofPath("/v1/completions?x=1"));
    assertEquals(Optional.empty(), Endpoint.ofPath("/v1/embeddings"));
  }

  @Test
  void stringsAreEscapedAsJacksonEscapesThemSoKeysOfEarlierVersionsStillMatch() throws Exception {
    StringBuilder all = new StringBuilder();
    for (char c = 0; c < 0x3100; c++) {
      all.append(c);
    }
    all.append("\uD83D\uDE00 \uD800 end");
    for (String s : new String[] {"", "plain", "a\"b\\c\n\t\u0001", all.toString()}) {
      StringBuilder ours = new StringBuilder();
      CanonicalRequest.quote(s, ours);
      assertEquals(CanonicalRequest.JSON.writeValueAsString(s), ours.toString());
    }
  }

  @Test
  void withoutTheSemanticPartTheCanonicalFormIsTheSame() {
    byte[] body =
        "{\"model\":\"m\",\"seed\":1,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
            .getBytes(StandardCharsets.UTF_8);
    CanonicalRequest full = CanonicalRequest.parse(Endpoint.CHAT_COMPLETIONS, body).orElseThrow();
    CanonicalRequest exact =
        CanonicalRequest.parse(Endpoint.CHAT_COMPLETIONS, body, false).orElseThrow();
    assertEquals(full.canonical(), exact.canonical());
    assertEquals(Optional.of("hi"), full.semanticPrompt());
    assertEquals(Optional.empty(), exact.semanticPrompt());
    assertEquals(Optional.empty(), exact.semanticScopeForm());
  }
}
