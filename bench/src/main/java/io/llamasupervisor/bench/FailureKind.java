package io.llamasupervisor.bench;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.ProtocolException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;

/** Why a benchmark request failed; {@link #key()} names it in the report. */
public enum FailureKind {
  /** The backend answered with a status outside 2xx. */
  HTTP_STATUS("http_status"),
  /** Nothing accepted the connection (refused, no route, unknown host). */
  CONNECTION_REFUSED("connection_refused"),
  /** The connection was reset or closed before the response was complete. */
  CONNECTION_RESET("connection_reset"),
  /** No byte arrived for the read timeout, or the connect timed out. */
  TIMEOUT("timeout"),
  /** An event stream that ended (or broke) without {@code data: [DONE]}. */
  TRUNCATED_STREAM("truncated_stream"),
  /** The response was not valid HTTP or not the shape asked for. */
  PROTOCOL_ERROR("protocol_error"),
  /** The client's routing table listed no READY backend for the model (counted once per gap). */
  NO_READY_BACKEND("no_ready_backend");

  /** Where in the exchange an I/O error happened. */
  enum Phase {
    /** Opening the TCP connection. */
    CONNECT,
    /** Writing the request or reading the status line and headers. */
    HEAD,
    /** Reading the body (for a stream: the events). */
    BODY
  }

  private final String key;

  FailureKind(String key) {
    this.key = key;
  }

  /** The name used in reports, e.g. {@code connection_reset}. */
  public String key() {
    return key;
  }

  /**
   * Classifies an I/O error: timeouts are {@link #TIMEOUT} wherever they happen, failed connects
   * {@link #CONNECTION_REFUSED}, malformed responses {@link #PROTOCOL_ERROR}, a broken event stream
   * {@link #TRUNCATED_STREAM}, anything else a {@link #CONNECTION_RESET}.
   */
  static FailureKind of(IOException e, Phase phase, boolean streaming) {
    if (e instanceof SocketTimeoutException) {
      return TIMEOUT;
    }
    if (e instanceof ProtocolException) {
      return PROTOCOL_ERROR;
    }
    if (phase == Phase.CONNECT
        && (e instanceof ConnectException
            || e instanceof NoRouteToHostException
            || e instanceof UnknownHostException)) {
      return CONNECTION_REFUSED;
    }
    if (phase == Phase.BODY && streaming) {
      return TRUNCATED_STREAM;
    }
    return CONNECTION_RESET;
  }
}
