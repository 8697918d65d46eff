package io.llamasupervisor.health;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.Optional;

/**
 * Reads the JSON bodies of llama-server's answers with the reading half of the project's Jackson
 * configuration (the {@code json} module's {@code JsonMappers}; a leaf imports nothing of ours, so
 * the two settings are repeated here): strict about the syntax (one document, nothing after it) and
 * bounded in nesting. A body that is not JSON reads as empty, so every caller says in its own words
 * what it expected.
 */
final class JsonBody {
  /** Deeper documents are refused (llama-server's own bodies are at most a few levels deep). */
  static final int MAX_DEPTH = 64;

  static final ObjectMapper MAPPER =
      JsonMapper.builder(
              JsonFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
                  .build())
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private JsonBody() {}

  /** The document in {@code body}, or empty when it is null, blank or not one JSON document. */
  static Optional<JsonNode> parse(String body) {
    if (body == null || body.isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(MAPPER.readTree(body));
    } catch (JsonProcessingException e) {
      return Optional.empty();
    }
  }

  /** The string at {@code path} below {@code root} (objects only), if it is a string. */
  static Optional<String> text(Optional<JsonNode> root, String... path) {
    return at(root, path).filter(JsonNode::isTextual).map(JsonNode::asText);
  }

  /** The value at {@code path} below {@code root} (objects only); empty when absent or null. */
  static Optional<JsonNode> at(Optional<JsonNode> root, String... path) {
    if (root.isEmpty()) {
      return Optional.empty();
    }
    JsonNode node = root.get();
    for (String key : path) {
      if (!node.isObject()) {
        return Optional.empty();
      }
      node = node.path(key);
    }
    return node.isMissingNode() || node.isNull() ? Optional.empty() : Optional.of(node);
  }
}
