package io.llamasupervisor.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.llamasupervisor.bench.FailureKind.Phase;
import java.io.EOFException;
import java.net.ConnectException;
import java.net.ProtocolException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.Test;

class FailureKindTest {
  @Test
  void aRefusedConnectIsConnectionRefused() {
    assertEquals(
        FailureKind.CONNECTION_REFUSED,
        FailureKind.of(new ConnectException("Connection refused"), Phase.CONNECT, false));
  }

  @Test
  void timeoutsAreTimeoutsInEveryPhase() {
    for (Phase p : Phase.values()) {
      assertEquals(
          FailureKind.TIMEOUT, FailureKind.of(new SocketTimeoutException("timed out"), p, true));
    }
  }

  @Test
  void aResetWhileSendingOrBeforeTheHeadIsAConnectionReset() {
    assertEquals(
        FailureKind.CONNECTION_RESET,
        FailureKind.of(new SocketException("Broken pipe"), Phase.HEAD, true));
    assertEquals(
        FailureKind.CONNECTION_RESET,
        FailureKind.of(new EOFException("closed"), Phase.HEAD, false));
  }

  @Test
  void aBrokenBodyIsATruncatedStreamForStreamsAndAResetOtherwise() {
    assertEquals(
        FailureKind.TRUNCATED_STREAM,
        FailureKind.of(new SocketException("Connection reset"), Phase.BODY, true));
    assertEquals(
        FailureKind.CONNECTION_RESET,
        FailureKind.of(new SocketException("Connection reset"), Phase.BODY, false));
  }

  @Test
  void malformedHttpIsAProtocolError() {
    assertEquals(
        FailureKind.PROTOCOL_ERROR,
        FailureKind.of(new ProtocolException("bad status line"), Phase.BODY, true));
  }
}
