package io.llamasupervisor.cluster;

import io.etcd.jetcd.Client;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Building the etcd client and waiting for its answers with a deadline. */
public final class Etcd {
  private Etcd() {}

  /**
   * A client for {@code settings}' endpoints that fails fast instead of queueing while etcd is
   * unreachable (the publisher and follower retry on their own, with backoff). Close it after the
   * publisher and follower that use it.
   */
  public static Client client(ClusterSettings settings) {
    long timeout = settings.requestTimeout().toMillis();
    return Client.builder()
        .endpoints(settings.endpoints())
        .connectTimeout(settings.requestTimeout())
        .waitForReady(false)
        .retryDelay(50)
        .retryMaxDelay(Math.max(50, timeout / 4))
        .retryChronoUnit(java.time.temporal.ChronoUnit.MILLIS)
        .retryMaxDuration(settings.requestTimeout())
        .build();
  }

  /** The value of {@code future}, waiting at most the request timeout. */
  static <T> T await(CompletableFuture<T> future, ClusterSettings settings)
      throws EtcdUnavailableException {
    try {
      return future.get(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new EtcdUnavailableException("no answer within " + settings.requestTimeout(), e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new EtcdUnavailableException(describe(cause), cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EtcdUnavailableException("interrupted", e);
    }
  }

  /** A one-line description of an etcd failure (the causes' messages). */
  static String describe(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable c = t; c != null && sb.length() < 300; c = c.getCause()) {
      String m = c.getMessage();
      if (m != null && sb.indexOf(m) < 0) {
        if (sb.length() > 0) {
          sb.append(": ");
        }
        sb.append(m);
      }
    }
    return sb.length() == 0 ? t.getClass().getSimpleName() : sb.toString();
  }

  /** etcd did not answer, or answered with an error. */
  static final class EtcdUnavailableException extends Exception {
    EtcdUnavailableException(String message, Throwable cause) {
      super(message, cause);
    }

    /** Whether etcd said the lease does not exist (it expired or was revoked). */
    boolean leaseNotFound() {
      return getMessage() != null && getMessage().contains("requested lease not found");
    }
  }
}
