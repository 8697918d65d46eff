package io.llamasupervisor.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ChunkedInputStreamTest {
  @Test
  void decodesChunksWithExtensionsAndTrailers() throws IOException {
    ChunkedInputStream in =
        of("5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: 1\r\n\r\nNEXT");

    assertEquals("hello world", new String(in.readAllBytes(), StandardCharsets.UTF_8));
    assertTrue(in.finished());
  }

  @Test
  void aBodyEndingBeforeTheZeroChunkThrowsEof() {
    ChunkedInputStream in = of("5\r\nhello\r\n");

    assertThrows(EOFException.class, in::readAllBytes);
  }

  @Test
  void aBodyEndingInsideAChunkThrowsEof() {
    ChunkedInputStream in = of("a\r\nhel");

    assertThrows(EOFException.class, in::readAllBytes);
  }

  @Test
  void aBadChunkSizeIsAProtocolError() {
    ChunkedInputStream in = of("zz\r\nhello\r\n");

    assertThrows(ProtocolException.class, in::readAllBytes);
  }

  private static ChunkedInputStream of(String wire) {
    return new ChunkedInputStream(new ByteArrayInputStream(wire.getBytes(StandardCharsets.UTF_8)));
  }
}
