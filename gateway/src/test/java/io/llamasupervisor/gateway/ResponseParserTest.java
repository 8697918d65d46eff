package io.llamasupervisor.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.gateway.ResponseParser.Framing;
import io.llamasupervisor.gateway.ResponseParser.MalformedResponseException;
import io.llamasupervisor.gateway.ResponseParser.ResponseHead;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResponseParserTest {
  private static final String CHUNKED_HEAD =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
  private static final String CHUNKED_BODY =
      "17;ext=1\r\ndata: {\"choices\":[1]}\n\n\r\nE\r\ndata: [DONE]\n\n\r\n0\r\nX-T: 1\r\n\r\n";

  /** What a sink saw. */
  private static class Seen implements ResponseParser.Sink {
    final List<ResponseHead> heads = new ArrayList<>();
    final ByteArrayOutputStream data = new ByteArrayOutputStream();
    final ByteArrayOutputStream raw = new ByteArrayOutputStream();
    int ends;

    @Override
    public void head(ResponseHead head) {
      heads.add(head);
    }

    @Override
    public void data(ByteBuf d) {
      byte[] b = new byte[d.readableBytes()];
      d.getBytes(d.readerIndex(), b);
      data.writeBytes(b);
    }

    @Override
    public void raw(ByteBuf r) {
      byte[] b = new byte[r.readableBytes()];
      r.getBytes(r.readerIndex(), b);
      raw.writeBytes(b);
      r.release();
    }

    @Override
    public void end() {
      ends++;
    }

    String data() {
      return data.toString(StandardCharsets.ISO_8859_1);
    }

    String raw() {
      return raw.toString(StandardCharsets.ISO_8859_1);
    }
  }

  /** Feeds {@code text} in pieces of {@code step} bytes. */
  private static Seen feed(ResponseParser p, String text, int step) throws Exception {
    Seen s = new Seen();
    byte[] all = text.getBytes(StandardCharsets.ISO_8859_1);
    for (int at = 0; at < all.length; at += step) {
      ByteBuf piece = Unpooled.copiedBuffer(all, at, Math.min(step, all.length - at));
      try {
        p.feed(piece, s);
      } finally {
        piece.release();
      }
    }
    return s;
  }

  @Test
  void aChunkedStreamIsHandedOnAsReceivedAndAsItsDataWhateverTheReadBoundaries() throws Exception {
    String response = CHUNKED_HEAD + CHUNKED_BODY;
    for (int step = 1; step <= response.length(); step++) {
      ResponseParser p = new ResponseParser();
      Seen s = feed(p, response, step);
      assertEquals(1, s.heads.size(), "step " + step);
      assertEquals(Framing.CHUNKED, s.heads.get(0).framing());
      assertEquals("text/event-stream", s.heads.get(0).contentType());
      assertEquals(CHUNKED_BODY, s.raw(), "step " + step);
      assertEquals("data: {\"choices\":[1]}\n\ndata: [DONE]\n\n", s.data(), "step " + step);
      assertEquals(1, s.ends, "step " + step);
      assertTrue(p.done());
    }
  }

  @Test
  void aContentLengthBodyEndsAtItsLengthAndTheConnectionCanBeReused() throws Exception {
    String body = "{\"choices\":[{\"text\":\"hi\"}]}";
    String response =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            + body.length()
            + "\r\nX-Thing:  spaced value \r\n\r\n"
            + body;
    for (int step : new int[] {1, 7, response.length()}) {
      ResponseParser p = new ResponseParser();
      Seen s = feed(p, response, step);
      ResponseHead h = s.heads.get(0);
      assertEquals(200, h.status());
      assertEquals("OK", h.reason());
      assertEquals(Framing.LENGTH, h.framing());
      assertEquals("spaced value", h.get("x-thing"));
      assertTrue(h.keepAlive());
      assertEquals(body, s.data());
      assertEquals(body, s.raw());
      assertEquals(1, s.ends);
      assertTrue(p.done());
    }
  }

  @Test
  void anInterimContinueIsSkippedAndTheFinalHeadComesOnce() throws Exception {
    ResponseParser p = new ResponseParser();
    Seen s =
        feed(p, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nServer: x\r\n\r\n", 5);
    assertEquals(1, s.heads.size());
    assertEquals(204, s.heads.get(0).status());
    assertEquals(1, s.ends);
    assertEquals("", s.raw());
  }

  @Test
  void aBodyWithoutLengthOrChunksLastsUntilTheBackendCloses() throws Exception {
    ResponseParser p = new ResponseParser();
    Seen s = feed(p, "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"a\":1}", 3);
    assertEquals(Framing.UNTIL_CLOSE, s.heads.get(0).framing());
    assertFalse(s.heads.get(0).keepAlive());
    assertEquals(0, s.ends);
    assertTrue(p.closed(s));
    assertEquals(1, s.ends);
    assertEquals("{\"a\":1}", s.data());
  }

  @Test
  void aCloseBeforeTheEndOfALengthBodyIsNotAnEnd() throws Exception {
    ResponseParser p = new ResponseParser();
    Seen s = feed(p, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 100);
    assertFalse(p.closed(s));
    assertEquals(0, s.ends);
  }

  @Test
  void lengthAndChunkedTogetherAreReadAsChunkedAndTheConnectionIsNotReused() throws Exception {
    ResponseParser p = new ResponseParser();
    Seen s =
        feed(
            p,
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "2\r\nab\r\n0\r\n\r\n",
            4);
    assertEquals(Framing.CHUNKED, s.heads.get(0).framing());
    assertFalse(s.heads.get(0).keepAlive());
    assertEquals("ab", s.data());
  }

  @Test
  void bytesAfterTheEndOfAResponseMakeTheConnectionUnusable() throws Exception {
    ResponseParser p = new ResponseParser();
    feed(p, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n", 100);
    assertFalse(p.done());
  }

  @Test
  void malformedResponsesAreRefusedWithAReason() {
    String[] bad = {
      "HTTP/2 200 OK\r\n\r\n",
      "HTTP/1.1 2x0 OK\r\n\r\n",
      "HTTP/1.1 101 Switching Protocols\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
      "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
      "HTTP/1.1 200 OK\r\n folded\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nabc",
      "HTTP/1.1 200 OK\r\nX: " + "v".repeat(ResponseParser.MAX_HEAD) + "\r\n"
    };
    for (String b : bad) {
      MalformedResponseException e =
          assertThrows(MalformedResponseException.class, () -> feed(new ResponseParser(), b, 9));
      assertFalse(e.getMessage().isBlank(), b);
    }
  }

  /** Heads are read from the bytes in place: a direct buffer (the epoll reads) and an array. */
  @Test
  void aHeadReadsTheSameFromADirectBufferAndFromAnArrayAtAnOffset() throws Exception {
    String head =
        "HTTP/1.1 200 OK\r\nContent-Type:  application/json; charset=utf-8 \t\r\n"
            + "X-Empty:\r\nConnection: keep-alive\r\nContent-Length: 2\n\r\n";
    byte[] bytes = head.getBytes(StandardCharsets.ISO_8859_1);
    ByteBuf direct = Unpooled.directBuffer(bytes.length).writeBytes(bytes);
    ByteBuf inArray = // a slice: its bytes start at an offset of the array behind it
        Unpooled.wrappedBuffer(("1234567" + head).getBytes(StandardCharsets.ISO_8859_1))
            .slice(7, bytes.length);
    ByteBuf sliced = Unpooled.wrappedBuffer(("junk" + head).getBytes(StandardCharsets.ISO_8859_1));
    try {
      for (ByteBuf b : List.of(direct, inArray, sliced)) {
        int from = b == sliced ? 4 : 0;
        ResponseHead h = ResponseHead.parse(b, from, bytes.length);
        assertEquals(200, h.status());
        assertEquals("OK", h.reason());
        assertEquals(List.of("Content-Type", "X-Empty", "Connection", "Content-Length"), h.names());
        assertEquals(List.of("application/json; charset=utf-8", "", "keep-alive", "2"), h.values());
        assertEquals("application/json; charset=utf-8", h.contentType());
        assertEquals(Framing.LENGTH, h.framing());
        assertEquals(2, h.contentLength());
        assertTrue(h.keepAlive());
      }
    } finally {
      direct.release();
    }
  }

  @Test
  void afterResetTheNextResponseOnTheConnectionIsRead() throws Exception {
    ResponseParser p = new ResponseParser();
    feed(p, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 100);
    assertTrue(p.done());
    p.reset();
    Seen s = feed(p, CHUNKED_HEAD + CHUNKED_BODY, 11);
    assertEquals(1, s.ends);
    assertEquals(CHUNKED_BODY, s.raw());
  }

  @Test
  void bytesLeftAfterAnEndThatAlreadyResetTheParserAreNotReadAsTheNextAnswer() {
    ResponseParser p = new ResponseParser();
    Seen resetting =
        new Seen() {
          @Override
          public void end() {
            super.end();
            p.reset(); // the connection went straight to the next request
          }
        };
    ByteBuf in =
        Unpooled.copiedBuffer(
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n\r\n",
            StandardCharsets.ISO_8859_1);
    try {
      assertThrows(MalformedResponseException.class, () -> p.feed(in, resetting));
      assertEquals(1, resetting.heads.size());
    } finally {
      in.release();
    }
  }
}
