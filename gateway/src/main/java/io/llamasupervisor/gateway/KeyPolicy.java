package io.llamasupervisor.gateway;

import java.util.List;
import java.util.Optional;

/**
 * Who may call the gateway. Without keys everyone may (and the server listens on loopback only);
 * with keys a request must carry one ({@code Authorization: Bearer <key>} or {@code X-Api-Key}),
 * else 401, and may only use the models its key allows, else 403. Every role is accepted. Immutable
 * and thread-safe.
 */
public final class KeyPolicy {
  private final List<GatewayKey> keys;

  public KeyPolicy(List<GatewayKey> keys) {
    this.keys = List.copyOf(keys);
  }

  /** Whether no key is needed. */
  public boolean open() {
    return keys.isEmpty();
  }

  /**
   * The key a request presents in {@code authorization} (a {@code Bearer} header value) or {@code
   * xApiKey}; empty when none matches (then answer {@link GatewayError#unauthorized()}). Always
   * empty when {@link #open()}.
   */
  public Optional<GatewayKey> authenticate(String authorization, String xApiKey) {
    String secret = bearer(authorization);
    if (secret == null && xApiKey != null && !xApiKey.isBlank()) {
      secret = xApiKey.strip();
    }
    if (secret == null || keys.isEmpty()) {
      return Optional.empty();
    }
    byte[] digest = GatewayKey.sha256(secret);
    GatewayKey found = null;
    for (GatewayKey k : keys) {
      if (k.matchesDigest(digest) && found == null) {
        found = k;
      }
    }
    return Optional.ofNullable(found);
  }

  /**
   * The error for {@code key} using the model {@code id}/{@code alias}, or null when allowed. A
   * null key is allowed only when the policy is open.
   */
  public GatewayError check(GatewayKey key, String id, String alias) {
    if (open()) {
      return null;
    }
    if (key == null) {
      return GatewayError.unauthorized();
    }
    return key.allows(id, alias) ? null : GatewayError.forbidden(key.name(), id);
  }

  private static String bearer(String header) {
    if (header == null) {
      return null;
    }
    String h = header.strip();
    if (h.regionMatches(true, 0, "Bearer ", 0, 7)) {
      String s = h.substring(7).strip();
      return s.isEmpty() ? null : s;
    }
    return null;
  }
}
