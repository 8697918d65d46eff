package io.llamasupervisor.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeyPolicyTest {
  private static final String SECRET = "infer-secret-0123456789";

  @Test
  void globsMatchSegments() {
    assertTrue(ModelGlob.of("acme/**").matches("acme/x/y.gguf"));
    assertTrue(ModelGlob.of("acme/*").matches("acme/x"));
    assertFalse(ModelGlob.of("acme/*").matches("acme/x/y"));
    assertFalse(ModelGlob.of("acme/**").matches("other/acme/x"));
    assertTrue(ModelGlob.of("q?en").matches("qwen"));
    assertTrue(ModelGlob.of("a.b").matches("a.b"));
    assertFalse(ModelGlob.of("a.b").matches("axb"));
  }

  @Test
  void withoutKeysEverythingIsOpen() {
    KeyPolicy open = new KeyPolicy(List.of());
    assertTrue(open.open());
    assertNull(open.check(null, "m", "m"));
  }

  @Test
  void keysByBearerOrXApiKeyAndGlobsGive401Or403() {
    GatewayKey acme = GatewayKey.plain("acme", KeyRole.INFER, SECRET, List.of("acme/**"));
    String hex = HexFormat.of().formatHex(GatewayKey.sha256("read-secret-0123456789"));
    GatewayKey reader = GatewayKey.hashed("grafana", KeyRole.READ, "sha256:" + hex, null);
    KeyPolicy p = new KeyPolicy(List.of(acme, reader));

    assertEquals("acme", p.authenticate("Bearer " + SECRET, null).orElseThrow().name());
    assertEquals("acme", p.authenticate(null, SECRET).orElseThrow().name());
    assertEquals(
        "grafana", p.authenticate("bearer read-secret-0123456789", null).orElseThrow().name());
    assertTrue(p.authenticate("Bearer wrong-wrong-wrong-wrong", null).isEmpty());
    assertTrue(p.authenticate(null, null).isEmpty());

    assertEquals(401, p.check(null, "acme/a", "a").status());
    assertNull(p.check(acme, "acme/a.gguf", "a"));
    GatewayError denied = p.check(acme, "other/b.gguf", "b");
    assertEquals(403, denied.status());
    assertEquals("model_not_allowed", denied.code());
    assertNull(p.check(reader, "other/b.gguf", "b"), "a key without globs may use every model");
  }

  @Test
  void badKeysAreRefusedWithAReason() {
    assertThrows(
        IllegalArgumentException.class,
        () -> GatewayKey.plain("short", KeyRole.INFER, "short", List.of()));
    assertThrows(
        IllegalArgumentException.class,
        () -> GatewayKey.hashed("h", KeyRole.INFER, "sha256:abc", List.of()));
    assertEquals(KeyRole.INFER, KeyRole.parse("Infer"));
    assertThrows(IllegalArgumentException.class, () -> KeyRole.parse("root"));
  }

  @Test
  void bindsConfiguredKeysWithRolesAndModelGlobs() {
    List<GatewayKey> keys =
        GatewayKey.fromConfig(
            "supervisor.api.keys",
            List.of(
                Map.of(
                    "name", "acme", "role", "infer", "key", SECRET, "models", List.of("acme/**")),
                Map.of("name", "ops", "role", "operate", "key", "ops-secret-0123456789")));
    assertEquals(2, keys.size());
    assertEquals(KeyRole.INFER, keys.get(0).role());
    assertEquals("acme/**", keys.get(0).models().get(0).toString());
    assertTrue(keys.get(1).models().isEmpty());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                GatewayKey.fromConfig(
                    "supervisor.api.keys", List.of(Map.of("role", "root", "key", SECRET))));
    assertTrue(e.getMessage().startsWith("supervisor.api.keys[0].role"), e.getMessage());
    assertTrue(GatewayKey.fromConfig("k", null).isEmpty());
  }
}
