package io.llamasupervisor.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.supervisor.config.ConfigTree;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** API keys from configuration, hashed keys, roles and authentication. */
class ApiKeyTest {
  static final String SECRET = "s3cret-key-for-tests";

  static String sha256(String s) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void bindsKeysFromYaml() throws Exception {
    ConfigTree tree =
        ConfigTree.parseYaml(
            """
            supervisor:
              api:
                keys:
                  - name: grafana
                    role: read
                    key: %s
                  - name: ops
                    role: OPERATE
                    sha256: "sha256:%s"
                  - role: admin
                    sha256: %s
            """
                .formatted(SECRET, sha256("ops-key-0123456789"), sha256("admin-key-0123456789")),
            "test");
    List<ApiKey> keys = ApiKey.fromConfig(tree.get("supervisor", "api", "keys").orElseThrow());
    assertEquals(3, keys.size());
    assertEquals("grafana", keys.get(0).name());
    assertEquals(ApiRole.READ, keys.get(0).role());
    assertEquals(ApiRole.OPERATE, keys.get(1).role());
    assertEquals("key-3", keys.get(2).name());
    ApiSecurity security = new ApiSecurity(keys, false);
    assertEquals("grafana", security.authenticate("Bearer " + SECRET).orElseThrow().name());
    assertEquals("ops", security.authenticate("Bearer ops-key-0123456789").orElseThrow().name());
    assertEquals(
        ApiRole.ADMIN, security.authenticate("Bearer admin-key-0123456789").orElseThrow().role());
    assertTrue(security.authenticate("Bearer " + SECRET + "x").isEmpty());
    assertTrue(security.authenticate(null).isEmpty());
    assertTrue(ApiKey.fromConfig(null).isEmpty());
  }

  @Test
  void plainAndHashedFormsOfOneSecretAreTheSameKey() throws Exception {
    ApiSecurity plain = new ApiSecurity(List.of(ApiKey.plain("a", ApiRole.READ, SECRET)), false);
    ApiSecurity hashed =
        new ApiSecurity(List.of(ApiKey.hashed("a", ApiRole.READ, sha256(SECRET))), false);
    ApiSecurity upper =
        new ApiSecurity(
            List.of(ApiKey.hashed("a", ApiRole.READ, "SHA256:" + sha256(SECRET).toUpperCase())),
            false);
    for (ApiSecurity s : List.of(plain, hashed, upper)) {
      assertTrue(s.authenticate("Bearer " + SECRET).isPresent());
      assertFalse(s.authenticate("Bearer " + sha256(SECRET)).isPresent(), "the hash is no key");
    }
  }

  @Test
  void rolesIncludeTheLowerOnes() {
    assertTrue(ApiRole.ADMIN.includes(ApiRole.OPERATE));
    assertTrue(ApiRole.OPERATE.includes(ApiRole.READ));
    assertFalse(ApiRole.READ.includes(ApiRole.OPERATE));
    assertFalse(ApiRole.OPERATE.includes(ApiRole.ADMIN));
  }

  @Test
  void invalidEntriesNameTheKeyAndTheProblem() {
    assertConfigError(Map.of("key", SECRET), "supervisor.api.keys[0].role", "allowed: read");
    assertConfigError(
        Map.of("role", "root", "key", SECRET), "supervisor.api.keys[0].role", "'root'");
    assertConfigError(
        Map.of("role", "read", "key", SECRET, "sha256", "ab"),
        "supervisor.api.keys[0]",
        "exactly one");
    assertConfigError(Map.of("role", "read"), "supervisor.api.keys[0]", "exactly one");
    assertConfigError(
        Map.of("role", "read", "key", "short"), "supervisor.api.keys[0].key", "shorter than 16");
    assertConfigError(
        Map.of("role", "read", "sha256", "sha256:abc"), "supervisor.api.keys[0].sha256", "64 hex");
    assertConfigError(
        Map.of("role", "read", "key", SECRET, "rol", "x"), "supervisor.api.keys[0].rol", "unknown");
    ApiKeyException dup =
        assertThrows(
            ApiKeyException.class,
            () ->
                ApiKey.fromConfig(
                    List.of(
                        Map.of("name", "a", "role", "read", "key", SECRET),
                        Map.of("name", "a", "role", "read", "key", SECRET + "2"))));
    assertEquals("supervisor.api.keys[1].name", dup.key());
    assertThrows(ApiKeyException.class, () -> ApiKey.fromConfig(Map.of("key", SECRET)));
  }

  private static void assertConfigError(Map<String, Object> entry, String key, String fragment) {
    ApiKeyException e =
        assertThrows(ApiKeyException.class, () -> ApiKey.fromConfig(List.of(entry)));
    assertEquals(key, e.key(), e.getMessage());
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
    assertFalse(e.getMessage().contains(SECRET), "the secret is not echoed: " + e.getMessage());
  }
}
