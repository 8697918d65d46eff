package io.llamasupervisor.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class StoredEntryTest {
  private static final StoredEntry STREAM =
      new StoredEntry(
          Endpoint.CHAT_COMPLETIONS, List.of("{\"a\":1}", "{\"b\":\"é ✓\"}", ""), true, 1_234L);

  /** Entries that Redis holds from earlier builds were written with a DataOutputStream. */
  @Test
  void theStoredFormIsTheOneEarlierBuildsWrote() throws IOException {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bos);
    out.writeByte(1);
    out.writeByte(Endpoint.CHAT_COMPLETIONS.ordinal());
    out.writeBoolean(true);
    out.writeLong(1_234L);
    out.writeInt(3);
    for (String e : STREAM.events()) {
      byte[] b = e.getBytes(StandardCharsets.UTF_8);
      out.writeInt(b.length);
      out.write(b);
    }
    assertArrayEquals(bos.toByteArray(), STREAM.serialize());
  }

  @Test
  void anEntryComesBackFromItsStoredForm() throws IOException {
    assertEquals(STREAM, StoredEntry.deserialize(STREAM.serialize()));
    StoredEntry json = new StoredEntry(Endpoint.COMPLETIONS, List.of("{}"), false, 7);
    assertEquals(json, StoredEntry.deserialize(json.serialize()));
  }

  @Test
  void aCutOrForeignFormIsRefused() {
    byte[] bytes = STREAM.serialize();
    assertThrows(
        IOException.class, () -> StoredEntry.deserialize(Arrays.copyOf(bytes, bytes.length - 3)));
    byte[] foreign = bytes.clone();
    foreign[0] = 9;
    assertThrows(IOException.class, () -> StoredEntry.deserialize(foreign));
  }

  @Test
  void aJsonAnswerWrittenFromItsBytesIsTheEntryOfItsText() throws IOException {
    String text = "{\"choices\":[{\"text\":\"é ✓\"}]}";
    byte[] body = (" \n" + text + "\r\n").getBytes(StandardCharsets.UTF_8);
    StoredEntry entry = new StoredEntry(Endpoint.COMPLETIONS, List.of(text), false, 7);
    byte[] stored = Responses.storedJson(Endpoint.COMPLETIONS, body, body.length, 7);
    assertArrayEquals(entry.serialize(), stored);
    assertEquals(entry, StoredEntry.deserialize(stored));
  }
}
