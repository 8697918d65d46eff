package io.llamasupervisor.gateway;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * One API key the gateway accepts: a name (for logs and 403 messages), a role, the SHA-256 of the
 * secret (the secret itself is not kept) and the models it may use ({@link ModelGlob}s over the id
 * or the alias; none means every model). Immutable.
 */
public final class GatewayKey {
  /** Shortest plain-text key accepted. */
  public static final int MIN_LENGTH = 16;

  private final String name;
  private final KeyRole role;
  private final byte[] digest;
  private final List<ModelGlob> models;

  private GatewayKey(String name, KeyRole role, byte[] digest, List<String> models) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("API key name must not be blank");
    }
    this.name = name;
    this.role = Objects.requireNonNull(role, "role");
    this.digest = digest;
    this.models =
        (models == null ? List.<String>of() : models).stream().map(ModelGlob::of).toList();
  }

  /**
   * A key given in plain text.
   *
   * @throws IllegalArgumentException when shorter than {@link #MIN_LENGTH} or with whitespace
   */
  public static GatewayKey plain(String name, KeyRole role, String key, List<String> models) {
    if (key == null || key.length() < MIN_LENGTH) {
      throw new IllegalArgumentException(
          "API key '" + name + "' is shorter than " + MIN_LENGTH + " characters");
    }
    if (key.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException("API key '" + name + "' contains whitespace");
    }
    return new GatewayKey(name, role, sha256(key), models);
  }

  /**
   * A key given as {@code sha256:<64 hex digits>} (prefix optional).
   *
   * @throws IllegalArgumentException when not 64 hex digits
   */
  public static GatewayKey hashed(String name, KeyRole role, String sha256, List<String> models) {
    String hex = sha256 == null ? "" : sha256.strip();
    if (hex.regionMatches(true, 0, "sha256:", 0, 7)) {
      hex = hex.substring(7);
    }
    if (!hex.matches("[0-9a-fA-F]{64}")) {
      throw new IllegalArgumentException(
          "API key '" + name + "': sha256 must be 64 hex digits, optionally prefixed 'sha256:'");
    }
    return new GatewayKey(name, role, HexFormat.of().parseHex(hex.toLowerCase()), models);
  }

  public String name() {
    return name;
  }

  public KeyRole role() {
    return role;
  }

  /** The model globs; empty means every model. */
  public List<ModelGlob> models() {
    return models;
  }

  /** Whether this key may use the model with this id or alias. */
  public boolean allows(String id, String alias) {
    if (models.isEmpty()) {
      return true;
    }
    for (ModelGlob g : models) {
      if (g.matches(id) || g.matches(alias)) {
        return true;
      }
    }
    return false;
  }

  boolean matchesDigest(byte[] presented) {
    return MessageDigest.isEqual(digest, presented);
  }

  static byte[] sha256(String secret) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  @Override
  public String toString() {
    return "GatewayKey[" + name + ", " + role + ", models=" + models + "]";
  }
}
