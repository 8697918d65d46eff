package io.llamasupervisor.api;

import java.util.List;
import java.util.Optional;

/**
 * The API's authentication: the configured keys and whether {@code --insecure} was given. A
 * singleton of the API's application context. With no keys every request is allowed (the server
 * then listens on loopback only, unless insecure).
 */
public final class ApiSecurity {
  private static final String BEARER = "Bearer ";

  private final List<ApiKey> keys;
  private final boolean insecure;

  public ApiSecurity(List<ApiKey> keys, boolean insecure) {
    this.keys = List.copyOf(keys);
    this.insecure = insecure;
  }

  /** Whether requests must carry a key. */
  public boolean enabled() {
    return !keys.isEmpty();
  }

  public boolean insecure() {
    return insecure;
  }

  public List<ApiKey> keys() {
    return keys;
  }

  /**
   * The key presented in an {@code Authorization: Bearer <key>} header, if it is one of ours. Every
   * configured key is compared (digest against digest, in constant time), so the time taken does
   * not tell which key or how much of it matched.
   */
  public Optional<ApiKey> authenticate(String authorization) {
    if (authorization == null
        || authorization.length() <= BEARER.length()
        || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return Optional.empty();
    }
    byte[] presented = ApiKey.sha256(authorization.substring(BEARER.length()).strip());
    ApiKey found = null;
    for (ApiKey k : keys) {
      if (k.matches(presented) && found == null) {
        found = k;
      }
    }
    return Optional.ofNullable(found);
  }
}
