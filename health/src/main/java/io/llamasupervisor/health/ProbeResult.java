package io.llamasupervisor.health;

import java.time.Duration;
import java.util.Objects;

/**
 * The outcome of one probe: a {@link HealthStatus}, a {@link ProbeReason}, the HTTP status when
 * there was an answer (0 otherwise) and a short human message such as {@code 503 Loading model},
 * {@code connection refused} or {@code no answer within PT2S}.
 */
public record ProbeResult(HealthStatus status, ProbeReason reason, int httpStatus, String message) {

  /** Longest body excerpt quoted in a message. */
  static final int MAX_EXCERPT = 200;

  public ProbeResult {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(message, "message");
    if (httpStatus < 0) {
      throw new IllegalArgumentException("httpStatus must not be negative: " + httpStatus);
    }
  }

  /** True when the instance is ready to serve ({@link HealthStatus#READY}). */
  public boolean isReady() {
    return status == HealthStatus.READY;
  }

  /** HTTP 200 {@code {"status":"ok"}}. */
  public static ProbeResult ready() {
    return new ProbeResult(HealthStatus.READY, ProbeReason.OK, 200, "200 ok");
  }

  /** A check other than {@code /health} that passed, e.g. a canary; {@code message} says which. */
  public static ProbeResult passed(int httpStatus, String message) {
    return new ProbeResult(HealthStatus.READY, ProbeReason.OK, httpStatus, message);
  }

  /** HTTP 503 {@code Loading model}. */
  public static ProbeResult loading() {
    return new ProbeResult(HealthStatus.LOADING, ProbeReason.LOADING, 503, "503 Loading model");
  }

  /** Nothing listens on the port. */
  public static ProbeResult refused() {
    return new ProbeResult(
        HealthStatus.UNREACHABLE, ProbeReason.CONNECTION_REFUSED, 0, "connection refused");
  }

  /** No complete answer within {@code timeout}. */
  public static ProbeResult timedOut(Duration timeout) {
    return new ProbeResult(
        HealthStatus.UNREACHABLE, ProbeReason.PROBE_TIMEOUT, 0, "no answer within " + timeout);
  }

  /** The connection broke (reset, closed without an answer, other I/O error). */
  public static ProbeResult connectionError(String detail) {
    return new ProbeResult(
        HealthStatus.UNREACHABLE, ProbeReason.CONNECTION_ERROR, 0, "connection error: " + detail);
  }

  /** An HTTP status that the check does not accept; the body is quoted, shortened. */
  public static ProbeResult unexpectedStatus(int httpStatus, String body) {
    return new ProbeResult(
        HealthStatus.FAILED,
        ProbeReason.UNEXPECTED_STATUS,
        httpStatus,
        (httpStatus + " " + excerpt(body)).strip());
  }

  /** The expected status but a body that cannot be understood. */
  public static ProbeResult badResponse(int httpStatus, String detail) {
    return new ProbeResult(
        HealthStatus.FAILED, ProbeReason.BAD_RESPONSE, httpStatus, httpStatus + " " + detail);
  }

  /** The probe itself failed; {@code cause} is described, not rethrown. */
  public static ProbeResult probeError(Throwable cause) {
    return new ProbeResult(
        HealthStatus.FAILED, ProbeReason.PROBE_ERROR, 0, "probe error: " + describe(cause));
  }

  @Override
  public String toString() {
    return message;
  }

  static String describe(Throwable t) {
    String m = t.getMessage();
    return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
  }

  /** The body on one line, cut to {@link #MAX_EXCERPT} characters. */
  static String excerpt(String body) {
    if (body == null) {
      return "";
    }
    String oneLine = body.strip().replaceAll("\\s+", " ");
    return oneLine.length() <= MAX_EXCERPT ? oneLine : oneLine.substring(0, MAX_EXCERPT) + "...";
  }
}
