package io.llamasupervisor.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterSettingsTest {
  @Test
  void etcdUrlsBecomeClientEndpoints() {
    assertEquals(
        List.of(URI.create("http://h1:2379"), URI.create("http://h2:2380")),
        ClusterSettings.parseEndpoints("etcd://h1:2379,h2:2380"));
    assertEquals(
        List.of(URI.create("http://h1:2379"), URI.create("http://10.0.0.2:2379")),
        ClusterSettings.parseEndpoints("h1, http://10.0.0.2:2379/"),
        "bare hosts get etcd's client port; http:// entries are accepted");
  }

  @Test
  void badEndpointsNameThePartAndTheExpectedForm() {
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> ClusterSettings.parseEndpoints("etcd://h1,/x"));
    assertEquals(
        "invalid cluster endpoint '/x' in 'etcd://h1,/x': expected host:port", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> ClusterSettings.parseEndpoints("https://h1"));
    assertEquals(
        "invalid cluster endpoints 'https://h1': the scheme must be etcd:// or http://, was"
            + " https://",
        e.getMessage());
  }

  @Test
  void leaseBelowEtcdsMinimumOrAKeepAliveNotBelowItIsRefused() {
    var s = ClusterSettings.of(List.of(URI.create("http://h:2379")), "c", "n", null);
    assertEquals(Duration.ofSeconds(10), s.leaseTtl());
    assertEquals(Duration.ofSeconds(3), s.keepAliveInterval());
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> s.toBuilder().lease(Duration.ofSeconds(1), Duration.ofMillis(500)).build());
    assertEquals(
        "cluster lease TTL must be whole seconds, at least 2s (etcd's minimum), was PT1S",
        e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> s.toBuilder().lease(Duration.ofSeconds(3), Duration.ofSeconds(3)).build());
  }

  @Test
  void nodeNamesAreKeySafe() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ClusterSettings.of(List.of(URI.create("http://h:2379")), "c", "a/b", null));
    assertEquals(
        "invalid node name 'a/b': expected 1-63 letters, digits, '.', '_' or '-', starting with a"
            + " letter or digit",
        e.getMessage());
  }
}
