package io.llamasupervisor.cache;

import java.util.Objects;

/**
 * What the gateway knows about a request when it asks the cache.
 *
 * @param endpoint which endpoint the request is for
 * @param modelId the model's id (not an alias: aliases of one model share entries)
 * @param planHash identifies what serves the model: the serving generation's launch-plan hash (a
 *     new file or new flags give a new hash, so old answers are not served)
 * @param body the request body as received
 * @param cacheControl the {@code Cache-Control} request header, or null
 * @param cacheScope the {@code X-Cache-Scope} request header (tenant, user, document id…), or null
 * @param caller who is asking: the API key's name, or null when the gateway has no keys. Callers
 *     with different names never share entries unless {@code supervisor.cache.share-across-keys}
 */
public record CacheRequest(
    Endpoint endpoint,
    String modelId,
    String planHash,
    byte[] body,
    String cacheControl,
    String cacheScope,
    String caller) {
  public CacheRequest {
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(modelId, "modelId");
    Objects.requireNonNull(planHash, "planHash");
    Objects.requireNonNull(body, "body");
  }

  /** Whether {@code Cache-Control} holds {@code directive} (case-insensitive, any position). */
  boolean cacheControl(String directive) {
    if (cacheControl == null) {
      return false;
    }
    for (String d : cacheControl.split(",")) {
      String t = d.trim();
      int eq = t.indexOf('=');
      if ((eq >= 0 ? t.substring(0, eq) : t).trim().equalsIgnoreCase(directive)) {
        return true;
      }
    }
    return false;
  }
}
