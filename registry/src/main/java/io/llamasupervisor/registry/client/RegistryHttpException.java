package io.llamasupervisor.registry.client;

import java.io.IOException;

/** The registry answered with an unexpected HTTP status. */
public final class RegistryHttpException extends IOException {
  private final int status;

  RegistryHttpException(String uri, int status, String body) {
    super(
        "registry answered HTTP "
            + status
            + " for "
            + uri
            + (body == null || body.isBlank() ? "" : ": " + abbreviate(body.strip())));
    this.status = status;
  }

  /** The HTTP status code. */
  public int status() {
    return status;
  }

  private static String abbreviate(String s) {
    return s.length() <= 200 ? s : s.substring(0, 200) + "…";
  }
}
