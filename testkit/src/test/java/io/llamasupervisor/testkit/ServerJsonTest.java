package io.llamasupervisor.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServerJsonTest {
  @Test
  void roundTripKeepsKeyOrderAndTypes() {
    String text =
        "{\"b\":1,\"a\":[true,null,\"x\\n\\\"y\\u00e9\"],\"c\":{\"d\":-2.5,\"e\":9007199254740993}}";
    Map<String, Object> m = ServerJson.parseObject(text);
    assertEquals(List.of("b", "a", "c"), List.copyOf(m.keySet()));
    assertEquals(1L, m.get("b"));
    assertEquals(9007199254740993L, ((Map<?, ?>) m.get("c")).get("e"));
    assertEquals(text.replace("\\u00e9", "\u00e9"), ServerJson.write(m));
  }

  @Test
  void doublesPrintLikeNlohmannJson() {
    assertEquals("0.0", ServerJson.formatDouble(0.0));
    assertEquals("1.0", ServerJson.formatDouble(1.0));
    assertEquals("0.800000011920929", ServerJson.formatDouble((double) 0.8f));
    assertEquals("0.05000000074505806", ServerJson.formatDouble((double) 0.05f));
    assertEquals("14000000.0", ServerJson.formatDouble(1.4e7));
    assertEquals("0.00012", ServerJson.formatDouble(1.2e-4));
  }

  @Test
  void malformedDocumentsReportLikeNlohmann() {
    ServerJson.ParseException e =
        assertThrows(ServerJson.ParseException.class, () -> ServerJson.parse("{no"));
    assertTrue(
        e.getMessage()
            .startsWith("[json.exception.parse_error.101] parse error at line 1, column 2"),
        e.getMessage());
    assertThrows(ServerJson.ParseException.class, () -> ServerJson.parse("[1,]"));
    assertThrows(ServerJson.ParseException.class, () -> ServerJson.parse("{\"a\":1} x"));
  }

  @Test
  void numbersFollowTheJsonGrammarAsTheRealServerDoes() {
    for (String bad : List.of("01", "1.", "-", "-01", ".5", "1e", "1e+", "+1", "1.e3", "00")) {
      assertThrows(ServerJson.ParseException.class, () -> ServerJson.parse(bad), "accepted " + bad);
    }
    assertEquals(0L, ServerJson.parse("0"));
    assertEquals(-0.5, ServerJson.parse("-0.5"));
    assertEquals(1200.0, ServerJson.parse("1.2e3"));
    assertEquals(1.0E-7, ServerJson.parse("1E-7"));
    assertEquals(1.0E20, ServerJson.parse("100000000000000000000"));
  }

  @Test
  void nestingDeeperThanTheLimitIsRefused() {
    int max = ServerJson.MAX_DEPTH;
    String ok = "[".repeat(max) + "]".repeat(max);
    assertTrue(ServerJson.parse(ok) instanceof List);
    ServerJson.ParseException e =
        assertThrows(
            ServerJson.ParseException.class,
            () -> ServerJson.parse("{\"a\":".repeat(max + 1) + "1" + "}".repeat(max + 1)));
    assertTrue(e.getMessage().contains("excessive nesting"), e.getMessage());
  }
}
