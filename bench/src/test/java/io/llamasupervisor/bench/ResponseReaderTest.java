package io.llamasupervisor.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Judging responses: status failures, complete and truncated streams, broken connections. */
class ResponseReaderTest {
  private static final String SSE_HEAD =
      "HTTP/1.1 200 OK\r\nServer: llama.cpp\r\nX-Accel-Buffering: no\r\n"
          + "Content-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
          + "Connection: close\r\n\r\n";
  private static final String ROLE =
      "data: {\"choices\":[{\"finish_reason\":null,\"index\":0,"
          + "\"delta\":{\"role\":\"assistant\",\"content\":null}}],"
          + "\"object\":\"chat.completion.chunk\"}\n\n";
  private static final String TOKEN =
      "data: {\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":\" in\"}}],"
          + "\"object\":\"chat.completion.chunk\"}\n\n";
  private static final String FINISH =
      "data: {\"choices\":[{\"finish_reason\":\"length\",\"index\":0,\"delta\":{}}],"
          + "\"object\":\"chat.completion.chunk\",\"timings\":{\"predicted_n\":2}}\n\n";
  private static final String DONE = "data: [DONE]\n\n";

  @Test
  void aStreamEndingWithDoneSucceedsAndCountsItsEvents() {
    String wire =
        SSE_HEAD + chunk(ROLE + TOKEN) + chunk(TOKEN) + chunk(FINISH) + chunk(DONE) + "0\r\n\r\n";

    ResponseReader.Result r = ResponseReader.read(in(wire), true);

    assertTrue(r.outcome().succeeded(), r.outcome().detail());
    assertEquals(200, r.outcome().status());
    assertEquals(4, r.outcome().events());
    assertFalse(r.reusable(), "llama-server closes the connection after a stream");
  }

  @Test
  void aStreamWhoseBodyEndsCleanlyWithoutDoneIsTruncated() {
    String wire = SSE_HEAD + chunk(ROLE + TOKEN) + chunk(FINISH) + "0\r\n\r\n";

    Outcome o = ResponseReader.read(in(wire), true).outcome();

    assertEquals(FailureKind.TRUNCATED_STREAM, o.failure());
    assertEquals(3, o.events());
    assertTrue(o.detail().contains("without data: [DONE]"), o.detail());
  }

  @Test
  void aStreamCutInsideAChunkIsTruncated() {
    String wire = SSE_HEAD + chunk(ROLE + TOKEN) + "f3\r\ndata: {\"choi";

    Outcome o = ResponseReader.read(in(wire), true).outcome();

    assertEquals(FailureKind.TRUNCATED_STREAM, o.failure());
    assertEquals(2, o.events());
  }

  @Test
  void aStreamCutBySigtermWithoutTheZeroChunkIsTruncated() {
    // llama-server abandons a stream on SIGTERM: no finish event, no [DONE], no zero chunk
    String wire = SSE_HEAD + chunk(ROLE + TOKEN) + chunk(TOKEN);

    Outcome o = ResponseReader.read(in(wire), true).outcome();

    assertEquals(FailureKind.TRUNCATED_STREAM, o.failure());
    assertEquals(3, o.events());
  }

  @Test
  void aConnectionResetMidStreamIsATruncatedStream() {
    InputStream wire =
        failingAfter(SSE_HEAD + chunk(ROLE + TOKEN), new SocketException("Connection reset"));

    Outcome o = ResponseReader.read(wire, true).outcome();

    assertEquals(FailureKind.TRUNCATED_STREAM, o.failure());
    assertTrue(o.detail().contains("Connection reset"), o.detail());
  }

  @Test
  void aStreamThatFallsSilentIsATimeout() {
    InputStream wire =
        failingAfter(SSE_HEAD + chunk(ROLE), new SocketTimeoutException("Read timed out"));

    assertEquals(FailureKind.TIMEOUT, ResponseReader.read(wire, true).outcome().failure());
  }

  @Test
  void anErrorEventInsteadOfDoneIsATruncatedStreamThatShowsTheError() {
    String error =
        "data: {\"error\":{\"code\":500,\"message\":\"The model produced output that does not"
            + " match\",\"type\":\"server_error\"}}\n\n";
    String wire = SSE_HEAD + chunk(ROLE + TOKEN) + chunk(error) + "0\r\n\r\n";

    Outcome o = ResponseReader.read(in(wire), true).outcome();

    assertEquals(FailureKind.TRUNCATED_STREAM, o.failure());
    assertTrue(o.detail().contains("server_error"), o.detail());
  }

  @Test
  void aNon2xxStatusIsAStatusFailureWithTheStatusAndBody() {
    String body =
        "{\"error\":{\"message\":\"Loading model\",\"type\":\"unavailable_error\",\"code\":503}}";
    String wire =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\n"
            + "Content-Length: "
            + body.length()
            + "\r\nConnection: close\r\n\r\n"
            + body;

    ResponseReader.Result r = ResponseReader.read(in(wire), true);

    assertEquals(FailureKind.HTTP_STATUS, r.outcome().failure());
    assertEquals(503, r.outcome().status());
    assertEquals("http_503", r.outcome().label());
    assertTrue(r.outcome().detail().contains("Loading model"));
    assertFalse(r.reusable());
  }

  @Test
  void aCompleteJsonResponseSucceedsAndKeepsTheConnectionForTheAnnouncedTime() {
    String body = "{\"choices\":[{\"finish_reason\":\"length\",\"index\":0}]}";
    String wire =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
            + "Content-Length: "
            + body.length()
            + "\r\nKeep-Alive: timeout=5, max=100\r\n\r\n"
            + body;

    ResponseReader.Result r = ResponseReader.read(in(wire), false);

    assertTrue(r.outcome().succeeded());
    assertTrue(r.reusable());
    assertEquals(Duration.ofSeconds(5), r.keepAlive());
  }

  @Test
  void aJsonBodyShorterThanItsLengthIsAReset() {
    String wire =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"choi";

    ResponseReader.Result r = ResponseReader.read(in(wire), false);

    assertEquals(FailureKind.CONNECTION_RESET, r.outcome().failure());
    assertFalse(r.noResponse(), "part of a response arrived");
  }

  @Test
  void aConnectionClosedBeforeAnyByteIsAResetWithoutResponse() {
    ResponseReader.Result r = ResponseReader.read(in(""), false);

    assertEquals(FailureKind.CONNECTION_RESET, r.outcome().failure());
    assertTrue(r.noResponse());
    assertEquals(0, r.outcome().status());
  }

  @Test
  void aResetBeforeAnyByteIsAResetWithoutResponse() {
    ResponseReader.Result r =
        ResponseReader.read(failingAfter("", new SocketException("Connection reset")), true);

    assertEquals(FailureKind.CONNECTION_RESET, r.outcome().failure());
    assertTrue(r.noResponse());
  }

  @Test
  void garbageInsteadOfAStatusLineIsAProtocolError() {
    Outcome o = ResponseReader.read(in("SSH-2.0-OpenSSH_9.2\r\n"), false).outcome();

    assertEquals(FailureKind.PROTOCOL_ERROR, o.failure());
  }

  @Test
  void jsonWhereAStreamWasAskedForIsAProtocolError() {
    String wire =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";

    Outcome o = ResponseReader.read(in(wire), true).outcome();

    assertEquals(FailureKind.PROTOCOL_ERROR, o.failure());
    assertNull(ResponseReader.read(in(wire), true).keepAlive());
  }

  static String chunk(String data) {
    int n = data.getBytes(StandardCharsets.UTF_8).length;
    return Integer.toHexString(n) + "\r\n" + data + "\r\n";
  }

  private static InputStream in(String wire) {
    return new ByteArrayInputStream(wire.getBytes(StandardCharsets.UTF_8));
  }

  /** {@code wire}, then {@code failure} on the next read. */
  private static InputStream failingAfter(String wire, IOException failure) {
    InputStream broken =
        new InputStream() {
          @Override
          public int read() throws IOException {
            throw failure;
          }
        };
    return new SequenceInputStream(in(wire), broken);
  }
}
