package io.llamasupervisor.cache;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * A request body reduced to what decides its answer.
 *
 * <p>The canonical form is the JSON body with object keys sorted, numbers written in one form per
 * kind (integers as integers; {@code 0.0}, {@code 0.00} and {@code 0e0} are one float, but not the
 * integer {@code 0}: llama-server reads some fields, such as a {@code logit_bias} token id, only as
 * integers), and without the top-level fields that do not change the generated text: {@code
 * stream}, {@code stream_options}, {@code user}, and {@code model} (the gateway resolves it, and
 * the key holds the model's id, so a request by alias and one by id share an entry). When the
 * request asks for log-probabilities ({@code logprobs}, {@code top_logprobs}, {@code n_probs}),
 * {@code stream} stays in the form: a streamed and a JSON answer carry them differently, so each is
 * served only in its own form. A body with a lone surrogate escape ({@code "\ud800"}) is not parsed
 * (llama-server refuses it).
 *
 * <p>A request is <em>deterministic</em> when llama-server's sampling cannot draw at random: a
 * {@code seed} from 0 to 4294967294 (it reads the seed as a 32-bit unsigned number, and 4294967295,
 * its -1, means a random seed); or {@code temperature} 0 without {@code dynatemp_range} above 0 and
 * without a {@code samplers} list; or {@code top_k} 1 without {@code mirostat} and without a {@code
 * samplers} list (a list can leave either sampler out, and mirostat does not apply top-k).
 * llama-server's default temperature is 0.8 and its default seed random, so a request without these
 * fields is not deterministic. {@code stream} counts only as the boolean {@code true} (llama-server
 * reads anything else as false).
 *
 * <p>The semantic part ({@link #semanticPrompt()}, {@link #semanticScopeForm()}) exists for chat
 * requests whose last message is a user message with text content only: the prompt is that text;
 * the scope form is the canonical body with that one text replaced by a placeholder, so it still
 * holds the system prompt, every earlier message, every tool and document, and every sampling
 * parameter.
 */
final class CanonicalRequest {
  static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
          .build();

  private static final String PROMPT_PLACEHOLDER = "\u0000last-user-message\u0000";

  private final String canonical;
  private final boolean stream;
  private final boolean includeUsage;
  private final boolean deterministic;
  private final String semanticPrompt;
  private final String semanticScopeForm;

  private CanonicalRequest(
      String canonical,
      boolean stream,
      boolean includeUsage,
      boolean deterministic,
      String semanticPrompt,
      String semanticScopeForm) {
    this.canonical = canonical;
    this.stream = stream;
    this.includeUsage = includeUsage;
    this.deterministic = deterministic;
    this.semanticPrompt = semanticPrompt;
    this.semanticScopeForm = semanticScopeForm;
  }

  /** Parses {@code body} with its semantic part; empty when it is not a JSON object. */
  static Optional<CanonicalRequest> parse(Endpoint endpoint, byte[] body) {
    return parse(endpoint, body, true);
  }

  /**
   * Parses {@code body}; empty when it is not a JSON object. Without {@code semantic} the semantic
   * prompt and scope form are not made (both empty): the exact cache needs neither.
   */
  static Optional<CanonicalRequest> parse(Endpoint endpoint, byte[] body, boolean semantic) {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (IOException e) {
      return Optional.empty();
    }
    if (root == null || !root.isObject()) {
      return Optional.empty();
    }
    ObjectNode obj = (ObjectNode) root;
    boolean stream = isTrue(obj.get("stream"));
    boolean includeUsage = isTrue(obj.path("stream_options").get("include_usage"));
    obj.remove("stream_options");
    obj.remove("user");
    obj.remove("model"); // the key holds the model's id: an alias and the id share entries
    if (asksForLogprobs(obj)) {
      obj.put("stream", stream);
    } else {
      obj.remove("stream");
    }
    boolean deterministic = isDeterministic(obj);
    String canonical;
    try {
      canonical = write(obj);
    } catch (LoneSurrogateException e) {
      return Optional.empty();
    }

    String prompt = null;
    String scopeForm = null;
    if (semantic
        && endpoint == Endpoint.CHAT_COMPLETIONS
        && obj.get("messages") instanceof ArrayNode msgs) {
      int last = msgs.size() - 1;
      if (last >= 0 && msgs.get(last) instanceof ObjectNode lastMsg) {
        String text = userText(lastMsg);
        if (text != null && !text.isBlank()) {
          ObjectNode copy = obj.deepCopy();
          ObjectNode m = (ObjectNode) ((ArrayNode) copy.get("messages")).get(last);
          m.put("content", PROMPT_PLACEHOLDER);
          prompt = text;
          scopeForm = write(copy);
        }
      }
    }
    return Optional.of(
        new CanonicalRequest(canonical, stream, includeUsage, deterministic, prompt, scopeForm));
  }

  /** The text of a user message whose content is a string or a list of text parts only. */
  private static String userText(ObjectNode msg) {
    if (!"user".equals(msg.path("role").asText(null))) {
      return null;
    }
    for (Iterator<String> it = msg.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!f.equals("role") && !f.equals("content")) {
        return null; // name, tool_call_id…: not a plain user message
      }
    }
    JsonNode c = msg.get("content");
    if (c != null && c.isTextual()) {
      return c.asText();
    }
    if (c instanceof ArrayNode parts && !parts.isEmpty()) {
      StringBuilder sb = new StringBuilder();
      for (JsonNode p : parts) {
        if (!"text".equals(p.path("type").asText(null)) || !p.path("text").isTextual()) {
          return null; // an image or an audio part: not comparable by text
        }
        if (sb.length() > 0) {
          sb.append('\n');
        }
        sb.append(p.get("text").asText());
      }
      return sb.toString();
    }
    return null;
  }

  /** The largest seed llama-server keeps: it reads seeds as uint32, and 0xFFFFFFFF is random. */
  private static final BigDecimal MAX_FIXED_SEED = BigDecimal.valueOf(0xFFFFFFFEL);

  private static boolean isDeterministic(ObjectNode obj) {
    JsonNode s = obj.get("seed");
    if (s != null
        && s.isIntegralNumber()
        && s.decimalValue().signum() >= 0
        && s.decimalValue().compareTo(MAX_FIXED_SEED) <= 0) {
      return true; // every sampler chain (top-k…, mirostat) draws with this seed
    }
    boolean samplerList = obj.has("samplers");
    JsonNode t = obj.get("temperature");
    if (t != null
        && t.isNumber()
        && t.decimalValue().signum() == 0
        && !samplerList
        && !positive(obj.get("dynatemp_range"))) {
      return true; // greedy: only the most likely token is left to draw
    }
    JsonNode k = obj.get("top_k");
    return k != null
        && k.isNumber()
        && k.decimalValue().compareTo(BigDecimal.ONE) == 0
        && !samplerList
        && !positive(obj.get("mirostat"));
  }

  private static boolean positive(JsonNode n) {
    return n != null && n.isNumber() && n.decimalValue().signum() > 0;
  }

  private static boolean isTrue(JsonNode n) {
    return n != null && n.isBoolean() && n.booleanValue();
  }

  /** Whether the answer carries log-probabilities, which JSON and SSE answers hold differently. */
  private static boolean asksForLogprobs(ObjectNode obj) {
    JsonNode lp = obj.get("logprobs");
    return (lp != null && !lp.isNull() && !(lp.isBoolean() && !lp.booleanValue()))
        || positive(obj.get("top_logprobs"))
        || positive(obj.get("n_probs"));
  }

  /** A string with a high surrogate not followed by a low one, or a low one alone. */
  private static final class LoneSurrogateException extends RuntimeException {
    LoneSurrogateException() {
      super(null, null, false, false);
    }
  }

  /**
   * Sorted keys, one form per number of a kind ({@code 1.50} and {@code 1.5} are one float, {@code
   * 15E-1}; {@code 1} stays an integer), no whitespace.
   */
  static String write(JsonNode n) {
    StringBuilder sb = new StringBuilder(256);
    write(n, sb);
    return sb.toString();
  }

  private static void write(JsonNode n, StringBuilder sb) {
    if (n.isObject()) {
      String[] names = new String[n.size()];
      int i = 0;
      for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
        names[i++] = it.next();
      }
      Arrays.sort(names);
      sb.append('{');
      for (int k = 0; k < names.length; k++) {
        if (k > 0) {
          sb.append(',');
        }
        quote(names[k], sb);
        sb.append(':');
        write(n.get(names[k]), sb);
      }
      sb.append('}');
    } else if (n.isArray()) {
      sb.append('[');
      for (int i = 0; i < n.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        write(n.get(i), sb);
      }
      sb.append(']');
    } else if (n.isIntegralNumber()) {
      sb.append(n.bigIntegerValue());
    } else if (n.isNumber()) {
      // a float: digits and exponent, always with an E, so 2.0 (2E0) never meets the integer 2
      BigDecimal d = n.decimalValue();
      if (d.signum() == 0) {
        sb.append("0E0");
      } else {
        d = d.stripTrailingZeros();
        sb.append(d.unscaledValue()).append('E').append(-d.scale());
      }
    } else if (n.isTextual()) {
      quote(n.asText(), sb);
    } else {
      sb.append(n.toString()); // true, false, null
    }
  }

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  /**
   * {@code s} as a JSON string, escaped exactly as Jackson's default writer does (so keys made
   * before stay the same): a quote and a backslash get a backslash, backspace, tab, newline, form
   * feed and carriage return their short escapes, the other characters below U+0020 a six-character
   * escape with upper-case hex digits, everything else is written as it is. Throws {@link
   * LoneSurrogateException} for a surrogate that is not half of a pair.
   */
  static void quote(String s, StringBuilder sb) {
    sb.append('"');
    int from = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c != '"' && c != '\\') {
        if (Character.isSurrogate(c)) {
          if (Character.isHighSurrogate(c)
              && i + 1 < s.length()
              && Character.isLowSurrogate(s.charAt(i + 1))) {
            i++;
          } else {
            throw new LoneSurrogateException();
          }
        }
        continue;
      }
      sb.append(s, from, i);
      from = i + 1;
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\b' -> sb.append("\\b");
        case '\t' -> sb.append("\\t");
        case '\n' -> sb.append("\\n");
        case '\f' -> sb.append("\\f");
        case '\r' -> sb.append("\\r");
        default -> sb.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
      }
    }
    sb.append(s, from, s.length()).append('"');
  }

  /** The canonical body (keys sorted, without stream, stream_options, user). */
  String canonical() {
    return canonical;
  }

  byte[] canonicalBytes() {
    return canonical.getBytes(StandardCharsets.UTF_8);
  }

  boolean stream() {
    return stream;
  }

  boolean includeUsage() {
    return includeUsage;
  }

  boolean deterministic() {
    return deterministic;
  }

  /** The last user message's text, when the request can use the semantic cache. */
  Optional<String> semanticPrompt() {
    return Optional.ofNullable(semanticPrompt);
  }

  /** The canonical body without the last user message's text, when there is a prompt. */
  Optional<String> semanticScopeForm() {
    return Optional.ofNullable(semanticScopeForm);
  }

  /** For tests: the field names of the canonical form. */
  static List<String> fieldNames(String canonical) throws IOException {
    List<String> names = new ArrayList<>();
    JSON.readTree(canonical).fieldNames().forEachRemaining(names::add);
    return names;
  }
}
