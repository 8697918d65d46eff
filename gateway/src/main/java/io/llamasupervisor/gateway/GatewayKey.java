package io.llamasupervisor.gateway;

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

  /**
   * Binds a configured key list ({@code supervisor.api.keys}): maps with {@code name}, {@code role}
   * ({@code read}, {@code operate}, {@code admin}, {@code infer}), exactly one of {@code key} or
   * {@code sha256}, and optionally {@code models} (a list of globs). {@code null} means no keys.
   *
   * @param path the configuration key, for messages
   * @throws IllegalArgumentException naming the entry and what is wrong
   */
  public static List<GatewayKey> fromConfig(String path, Object node) {
    if (node == null) {
      return List.of();
    }
    if (!(node instanceof List<?> list)) {
      throw new IllegalArgumentException(path + ": expected a list of {name, role, key | sha256}");
    }
    List<GatewayKey> keys = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      String at = path + "[" + i + "]";
      if (!(list.get(i) instanceof Map<?, ?> m)) {
        throw new IllegalArgumentException(
            at + ": expected a map with name, role and key or sha256");
      }
      for (Object k : m.keySet()) {
        if (!List.of("name", "role", "key", "sha256", "models").contains(String.valueOf(k))) {
          throw new IllegalArgumentException(
              at + "." + k + ": unknown key; allowed: name, role, key, sha256, models");
        }
      }
      String name = m.get("name") == null ? "key-" + (i + 1) : String.valueOf(m.get("name"));
      if (!names.add(name)) {
        throw new IllegalArgumentException(at + ".name: '" + name + "' is used by two keys");
      }
      KeyRole role;
      try {
        role = KeyRole.parse(m.get("role") == null ? null : m.get("role").toString());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(at + ".role: " + e.getMessage());
      }
      List<String> globs = new ArrayList<>();
      Object models = m.get("models");
      if (models instanceof List<?> l) {
        l.forEach(g -> globs.add(String.valueOf(g)));
      } else if (models != null) {
        throw new IllegalArgumentException(at + ".models: expected a list of globs");
      }
      Object key = m.get("key");
      Object hash = m.get("sha256");
      if ((key == null) == (hash == null)) {
        throw new IllegalArgumentException(at + ": give exactly one of key or sha256");
      }
      try {
        keys.add(
            key != null
                ? plain(name, role, key.toString(), globs)
                : hashed(name, role, hash.toString(), globs));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(at + ": " + e.getMessage());
      }
    }
    return List.copyOf(keys);
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
