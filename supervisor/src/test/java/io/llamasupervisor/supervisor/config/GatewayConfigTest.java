package io.llamasupervisor.supervisor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class GatewayConfigTest {
  private final ConfigLoader loader = new ConfigLoader();

  private GatewayConfig bind(String... overrides) {
    return GatewayConfig.of(loader.load(null, List.of(overrides)));
  }

  @Test
  void defaultsAreLoopback8080With32MiBAnd256QueuedFor60s() {
    GatewayConfig c = bind();
    assertEquals(GatewayConfig.defaults(), c);
    assertTrue(c.enabled());
    assertEquals("127.0.0.1", c.host());
    assertEquals(8080, c.port());
    assertEquals(32L << 20, c.maxBody());
    assertEquals(256, c.queueMax());
    assertEquals(Duration.ofSeconds(60), c.queueTimeout());
    assertEquals(Duration.ofSeconds(60), c.clientTimeout());
  }

  @Test
  void everyKeyBinds() {
    GatewayConfig c =
        bind(
            "supervisor.gateway.enabled=false",
            "supervisor.gateway.host=0.0.0.0",
            "supervisor.gateway.port=9090",
            "supervisor.gateway.max-body=1MiB",
            "supervisor.gateway.queue.max=8",
            "supervisor.gateway.queue.timeout=5s",
            "supervisor.gateway.start-timeout=2m",
            "supervisor.gateway.affinity=true",
            "supervisor.gateway.io-threads=3",
            "supervisor.gateway.client-timeout=15s");
    assertEquals(Duration.ofSeconds(15), c.clientTimeout());
    assertFalse(c.enabled());
    assertEquals("0.0.0.0", c.host());
    assertEquals(9090, c.port());
    assertEquals(1L << 20, c.maxBody());
    assertEquals(8, c.queueMax());
    assertEquals(Duration.ofSeconds(5), c.queueTimeout());
    assertEquals(Duration.ofMinutes(2), c.startTimeout());
    assertTrue(c.affinity());
    assertEquals(3, c.ioThreads());
  }

  @Test
  void badValuesAndUnknownKeysNameTheKey() {
    ConfigException port =
        assertThrows(ConfigException.class, () -> bind("supervisor.gateway.port=99999"));
    assertTrue(port.getMessage().contains("supervisor.gateway.port"), port.getMessage());
    ConfigException typo =
        assertThrows(ConfigException.class, () -> bind("supervisor.gateway.queue.maxx=3"));
    assertTrue(typo.getMessage().contains("supervisor.gateway.queue.maxx"), typo.getMessage());
    ConfigException zero =
        assertThrows(ConfigException.class, () -> bind("supervisor.gateway.queue.timeout=0s"));
    assertTrue(zero.getMessage().contains("queue.timeout"), zero.getMessage());
    ConfigException silence =
        assertThrows(ConfigException.class, () -> bind("supervisor.gateway.client-timeout=0"));
    assertTrue(
        silence.getMessage().contains("supervisor.gateway.client-timeout"), silence.getMessage());
    ConfigException threads =
        assertThrows(ConfigException.class, () -> bind("supervisor.gateway.io-threads=-1"));
    assertTrue(
        threads.getMessage().contains("supervisor.gateway.io-threads"), threads.getMessage());
  }
}
