package io.llamasupervisor.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTest {

  @Test
  void parsesEveryRealCaptureAndEveryJsonBodyInIt() throws Exception {
    for (String file : List.of("endpoints.json", "endpoints-during-loading.json", "props.json")) {
      Object root = Json.parse(Captures.text(file));
      if (!file.startsWith("endpoints")) {
        continue;
      }
      Map<String, Object> exchanges = Json.asObject(root).orElseThrow();
      assertTrue(exchanges.size() > 5, file);
      for (var e : exchanges.entrySet()) {
        String body = (String) Json.at(e.getValue(), "body");
        if (body.startsWith("{") || body.startsWith("[")) {
          Json.parse(body); // every JSON body the real server sent must parse
        }
      }
    }
  }

  @Test
  void readsPropsValuesWithTheirTypes() throws Exception {
    Object props = Json.parse(Captures.text("props.json"));
    assertEquals(2L, Json.at(props, "total_slots"));
    assertEquals(512L, Json.at(props, "default_generation_settings", "n_ctx"));
    assertEquals(4294967295L, Json.at(props, "default_generation_settings", "params", "seed"));
    assertEquals(
        0.800000011920929, Json.at(props, "default_generation_settings", "params", "temperature"));
    assertEquals(Boolean.FALSE, Json.at(props, "is_sleeping"));
    assertEquals("b10470-34af94cd", Json.stringAt(props, "build_info").orElseThrow());
    assertInstanceOf(
        List.class, Json.at(props, "default_generation_settings", "params", "samplers"));
  }

  @Test
  void decodesEscapesAndSurrogatePairs() throws Exception {
    Object v = Json.parse("{\"s\":\"a\\\"b\\\\c\\/d\\n\\t\\u00e9\\ud83d\\ude00\"}");
    assertEquals("a\"b\\c/d\n\té\uD83D\uDE00", Json.stringAt(v, "s").orElseThrow());
  }

  @Test
  void numbersLiteralsAndNesting() throws Exception {
    Object v = Json.parse(" [0, -1, 1.5e3, 99999999999999999999, true, false, null, [], {}] ");
    List<?> l = (List<?>) v;
    assertEquals(0L, l.get(0));
    assertEquals(-1L, l.get(1));
    assertEquals(1500.0, l.get(2));
    assertEquals(1e20, l.get(3));
    assertEquals(true, l.get(4));
    assertEquals(false, l.get(5));
    assertNull(l.get(6));
    assertEquals(List.of(), l.get(7));
    assertEquals(Map.of(), l.get(8));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        " ",
        "{",
        "[1,]",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "{a:1}",
        "01",
        "1.",
        "-",
        "1e",
        "tru",
        "\"unterminated",
        "\"bad \\x escape\"",
        "\"raw\nnewline\"",
        "{} {}",
        "Loading model",
        "<html>503</html>"
      })
  void rejectsMalformedInput(String text) {
    assertThrows(Json.JsonException.class, () -> Json.parse(text));
  }

  @Test
  void rejectsAbsurdNestingInsteadOfOverflowingTheStack() {
    String deep = "[".repeat(100_000) + "]".repeat(100_000);
    assertThrows(Json.JsonException.class, () -> Json.parse(deep));
  }

  @Test
  void pathLookupsToleratesMissingAndWrongTypes() throws Exception {
    Object v = Json.parse("{\"error\":{\"message\":\"x\"},\"n\":3}");
    assertEquals("x", Json.stringAt(v, "error", "message").orElseThrow());
    assertTrue(Json.stringAt(v, "n").isEmpty());
    assertTrue(Json.stringAt(v, "error", "message", "deeper").isEmpty());
    assertTrue(Json.stringAt(null, "status").isEmpty());
  }
}
