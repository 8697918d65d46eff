package io.llamasupervisor.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class RegistryApiTest {
  private final RoutingTable v7 = new RoutingTable("e", 7, List.of());

  @Test
  void etagIsTheQuotedVersion() {
    assertEquals("\"7\"", RegistryApi.etag(v7));
  }

  @Test
  void ifNoneMatchMatchesTheCurrentTagInAnyForm() {
    assertTrue(RegistryApi.notModified("\"7\"", v7));
    assertTrue(RegistryApi.notModified("W/\"7\"", v7));
    assertTrue(RegistryApi.notModified("\"5\", \"7\"", v7));
    assertTrue(RegistryApi.notModified("*", v7));
    assertFalse(RegistryApi.notModified("\"6\"", v7));
    assertFalse(RegistryApi.notModified("7", v7), "tags are quoted");
    assertFalse(RegistryApi.notModified(null, v7));
  }

  @Test
  void indexMustBeANonNegativeInteger() {
    assertEquals(0, RegistryApi.parseIndex("0"));
    assertEquals(42, RegistryApi.parseIndex("42"));
    for (String bad : new String[] {"-1", "x", "", "1.5"}) {
      assertEquals(
          "invalid index '" + bad + "': expected a non-negative integer (the last version seen)",
          assertThrows(IllegalArgumentException.class, () -> RegistryApi.parseIndex(bad))
              .getMessage());
    }
  }
}
