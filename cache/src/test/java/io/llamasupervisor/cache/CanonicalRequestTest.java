package io.llamasupervisor.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CanonicalRequestTest {
  private static CanonicalRequest parse(String json) {
    return CanonicalRequest.parse(Endpoint.CHAT_COMPLETIONS, json.getBytes(StandardCharsets.UTF_8))
        .orElseThrow();
  }

  @Test
  void theCanonicalFormSortsKeysDropsStreamStreamOptionsUserAndModelAndWritesNumbersOneWay() {
    CanonicalRequest r =
        parse(
            "{\"temperature\":0.0,\"stream\":true,\"user\":\"u\",\"stream_options\":"
                + "{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"top_p\":0.50,\"model\":\"m\",\"max_tokens\":1e2,\"n_predict\":100}");
    assertEquals(
        "{\"max_tokens\":1E2,\"messages\":[{\"content\":\"hi\",\"role\":\"user\"}],"
            + "\"n_predict\":100,\"temperature\":0E0,\"top_p\":5E-1}",
        r.canonical());
    assertEquals(
        r.canonical(), parse("{\"stream\":true," + r.canonical().substring(1)).canonical());
    assertTrue(r.stream());
    assertTrue(r.includeUsage());
  }

  /**
   * Regression: 15043.0 and 15043 shared a key, but llama-server reads a logit_bias id only as an
   * integer.
   */
  @Test
  void aWholeFloatIsNotTheInteger() {
    assertNotEquals(
        parse("{\"temperature\":0,\"logit_bias\":[[15043,-100]]}").canonical(),
        parse("{\"temperature\":0,\"logit_bias\":[[15043.0,-100]]}").canonical());
    assertEquals(
        parse("{\"temperature\":0,\"top_p\":0.5}").canonical(),
        parse("{\"temperature\":0,\"top_p\":5e-1}").canonical());
  }

  /** Regression: a lone surrogate was written as "?", sharing the key of a real question mark. */
  @Test
  void aBodyWithALoneSurrogateIsNotCanonical() {
    byte[] body =
        "{\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"What is \\ud800\"}]}"
            .getBytes(StandardCharsets.UTF_8);
    assertEquals(Optional.empty(), CanonicalRequest.parse(Endpoint.CHAT_COMPLETIONS, body));
    byte[] pair =
        "{\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"\\ud83d\\ude00\"}]}"
            .getBytes(StandardCharsets.UTF_8);
    assertTrue(CanonicalRequest.parse(Endpoint.CHAT_COMPLETIONS, pair).isPresent());
  }

  /** Regression: seeds llama-server draws at random, and greedy settings other samplers undo. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"seed\":4294967295}",
        "{\"seed\":-1}",
        "{\"seed\":1.0}",
        "{\"top_k\":1,\"mirostat\":2}",
        "{\"top_k\":1,\"samplers\":[\"top_p\"]}",
        "{\"temperature\":0,\"samplers\":[\"top_p\"]}",
        "{\"temperature\":0,\"samplers\":\"kp\"}",
        "{\"temperature\":0,\"dynatemp_range\":0.5}",
        "{\"temperature\":0.1}",
        "{}",
      })
  void requestsLlamaServerSamplesAtRandomAreNotDeterministic(String json) {
    assertFalse(parse(json).deterministic(), json);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"seed\":0}",
        "{\"seed\":4294967294}",
        "{\"seed\":7,\"mirostat\":2,\"samplers\":[\"top_p\"]}",
        "{\"temperature\":0}",
        "{\"temperature\":0.0,\"mirostat\":1}",
        "{\"temperature\":0,\"dynatemp_range\":0}",
        "{\"top_k\":1}",
        "{\"top_k\":1,\"mirostat\":0}",
      })
  void seedsGreedyTemperatureAndTopKOneAreDeterministic(String json) {
    assertTrue(parse(json).deterministic(), json);
  }

  /** Regression: "stream": 1 was read as true; llama-server answers JSON to anything but true. */
  @Test
  void onlyTheBooleanTrueStreams() {
    assertFalse(parse("{\"stream\":1}").stream());
    assertFalse(parse("{\"stream\":\"true\"}").stream());
    assertTrue(parse("{\"stream\":true}").stream());
    assertFalse(parse("{\"stream\":true,\"stream_options\":{\"include_usage\":1}}").includeUsage());
  }

  /** Regression: a streamed answer's logprobs were lost when it served a JSON request, and back. */
  @Test
  void withLogprobsAStreamedAndAJsonRequestHaveDifferentKeys() {
    String lp = "{\"temperature\":0,\"logprobs\":true,\"messages\":[]";
    assertNotEquals(
        parse(lp + ",\"stream\":true}").canonical(), parse(lp + ",\"stream\":false}").canonical());
    assertEquals(parse(lp + ",\"stream\":false}").canonical(), parse(lp + "}").canonical());
    String plain = "{\"temperature\":0,\"logprobs\":false,\"messages\":[]";
    assertEquals(parse(plain + ",\"stream\":true}").canonical(), parse(plain + "}").canonical());
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
    all.append("\uD83D\uDE00 end");
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
