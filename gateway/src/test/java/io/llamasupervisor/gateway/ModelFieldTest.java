package io.llamasupervisor.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ModelFieldTest {
  private static ModelField.Result read(String json, boolean prefix) {
    return ModelField.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), prefix);
  }

  @Test
  void readsTheTopLevelModelWherever_itIs() {
    assertEquals("a", read("{\"model\":\"a\",\"messages\":[]}", false).model());
    assertEquals(
        "acme/x",
        read("{\"messages\":[{\"role\":\"user\",\"model\":\"inner\"}],\"model\":\"acme/x\"}", false)
            .model());
    assertNull(read("{\"messages\":[]}", false).model());
    assertNull(read("{\"model\":42}", false).model());
  }

  @Test
  void stopsReadingAtTheModelField() {
    byte[] head = "{\"model\":\"m\",\"prompt\":\"".getBytes(StandardCharsets.UTF_8);
    int[] served = {0};
    InputStream endless =
        new InputStream() {
          @Override
          public int read() {
            return served[0] < head.length ? head[served[0]++] : 'x';
          }

          @Override
          public int read(byte[] b, int off, int len) {
            int n = Math.min(len, 64);
            for (int i = 0; i < n; i++) {
              b[off + i] = (byte) read();
            }
            served[0] += 0;
            return n;
          }
        };
    assertEquals("m", ModelField.read(endless, false).model());
  }

  @Test
  void invalidJsonIsReported() throws IOException {
    assertNotNull(read("{\"model\":", false).error());
    assertNotNull(read("[1,2]", false).error());
    assertNotNull(read("not json", false).error());
  }

  @Test
  void conversationPrefixHashIgnoresLaterTurns() {
    String turn1 =
        "{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},"
            + "{\"role\":\"user\",\"content\":\"hi\"}]}";
    String turn2 =
        "{\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},"
            + "{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"yo\"},"
            + "{\"role\":\"user\",\"content\":\"more\"}],\"model\":\"m\"}";
    String other =
        "{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},"
            + "{\"role\":\"user\",\"content\":\"bye\"}]}";
    long h1 = read(turn1, true).prefixHash();
    assertNotEquals(0, h1);
    assertEquals(h1, read(turn2, true).prefixHash());
    assertEquals("m", read(turn2, true).model());
    assertNotEquals(h1, read(other, true).prefixHash());
    assertEquals(0, read(turn1, false).prefixHash());
  }
}
