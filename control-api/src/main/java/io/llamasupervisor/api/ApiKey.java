package io.llamasupervisor.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One configured API key: a name (for logs), a role, and the SHA-256 digest of the secret. The
 * secret itself is never kept, so a key configured as {@code sha256:<hex>} and one configured in
 * plain text behave the same. Immutable.
 */
public final class ApiKey {
  /** Shortest plain-text key accepted: shorter ones are guessable. */
  public static final int MIN_LENGTH = 16;

  private static final String SHA256_PREFIX = "sha256:";

  private final String name;
  private final ApiRole role;
  private final byte[] digest;

  private ApiKey(String name, ApiRole role, byte[] digest) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("API key name must not be blank");
    }
    this.name = name;
    this.role = Objects.requireNonNull(role, "role");
    this.digest = digest;
  }

  /**
   * A key given in plain text.
   *
   * @throws IllegalArgumentException when it is shorter than {@link #MIN_LENGTH} or contains
   *     whitespace
   */
  public static ApiKey plain(String name, ApiRole role, String key) {
    if (key == null || key.length() < MIN_LENGTH) {
      throw new IllegalArgumentException(
          "API key '" + name + "' is shorter than " + MIN_LENGTH + " characters");
    }
    if (!key.equals(key.strip()) || key.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException("API key '" + name + "' contains whitespace");
    }
    return new ApiKey(name, role, sha256(key));
  }

  /**
   * A key given as the SHA-256 of the secret: {@code sha256:<64 hex digits>} (the prefix is
   * optional), as printed by {@code printf %s "$KEY" | sha256sum}.
   *
   * @throws IllegalArgumentException when it is not 64 hex digits
   */
  public static ApiKey hashed(String name, ApiRole role, String sha256) {
    String hex = sha256 == null ? "" : sha256.strip();
    if (hex.regionMatches(true, 0, SHA256_PREFIX, 0, SHA256_PREFIX.length())) {
      hex = hex.substring(SHA256_PREFIX.length());
    }
    if (!hex.matches("[0-9a-fA-F]{64}")) {
      throw new IllegalArgumentException(
          "API key '" + name + "': sha256 must be 64 hex digits, optionally prefixed 'sha256:'");
    }
    return new ApiKey(name, role, HexFormat.of().parseHex(hex.toLowerCase()));
  }

  /**
   * Binds {@code supervisor.api.keys}: a list of maps with {@code name}, {@code role} ({@code
   * read}, {@code operate}, {@code admin}) and exactly one of {@code key} (plain text) or {@code
   * sha256}. {@code null} means no keys.
   *
   * @throws ApiKeyException naming the entry and what is wrong
   */
  public static List<ApiKey> fromConfig(Object node) {
    String base = "supervisor.api.keys";
    if (node == null) {
      return List.of();
    }
    if (!(node instanceof List<?> list)) {
      throw new ApiKeyException(base, "expected a list of {name, role, key | sha256}");
    }
    List<ApiKey> keys = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      String at = base + "[" + i + "]";
      if (!(list.get(i) instanceof Map<?, ?> m)) {
        throw new ApiKeyException(at, "expected a map with name, role and key or sha256");
      }
      for (Object k : m.keySet()) {
        // models: globs limiting the key on the gateway; the API does not use them
        if (!List.of("name", "role", "key", "sha256", "models").contains(String.valueOf(k))) {
          throw new ApiKeyException(
              at + "." + k, "unknown key; allowed: name, role, key, sha256, models");
        }
      }
      String name = m.get("name") == null ? "key-" + (i + 1) : String.valueOf(m.get("name"));
      if (!names.add(name)) {
        throw new ApiKeyException(at + ".name", "'" + name + "' is used by two keys");
      }
      Object roleText = m.get("role");
      ApiRole role =
          ApiRole.parse(roleText == null ? null : roleText.toString())
              .orElseThrow(
                  () ->
                      new ApiKeyException(
                          at + ".role",
                          "'"
                              + roleText
                              + "' is not allowed; allowed: read, operate, admin, infer"));
      Object key = m.get("key");
      Object hash = m.get("sha256");
      if ((key == null) == (hash == null)) {
        throw new ApiKeyException(at, "give exactly one of key or sha256");
      }
      try {
        keys.add(
            key != null ? plain(name, role, key.toString()) : hashed(name, role, hash.toString()));
      } catch (IllegalArgumentException e) {
        throw new ApiKeyException(at + (key != null ? ".key" : ".sha256"), e.getMessage());
      }
    }
    return List.copyOf(keys);
  }

  public String name() {
    return name;
  }

  public ApiRole role() {
    return role;
  }

  /** Compares digests in constant time. */
  boolean matches(byte[] presentedDigest) {
    return MessageDigest.isEqual(digest, presentedDigest);
  }

  static byte[] sha256(String secret) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  @Override
  public String toString() {
    return "ApiKey[" + name + ", " + role.label() + "]";
  }
}
