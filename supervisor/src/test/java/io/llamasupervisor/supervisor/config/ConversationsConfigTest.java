package io.llamasupervisor.supervisor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConversationsConfigTest {
  private final ConfigLoader loader = new ConfigLoader();

  private ConversationsConfig bind(String... overrides) {
    SupervisorConfig config = loader.load(null, List.of(overrides));
    GatewayConfig.of(config); // the section's own binder accepts the key
    return ConversationsConfig.of(config);
  }

  @Test
  void defaultsAre256MiBFor24HoursInMemory() {
    ConversationsConfig c = bind();
    assertEquals(256L << 20, c.maxBytes());
    assertEquals(Duration.ofHours(24), c.ttl());
    assertNull(c.redisUrl());
  }

  @Test
  void keysBind() {
    ConversationsConfig c =
        bind(
            "supervisor.gateway.conversations.max-bytes=16MiB",
            "supervisor.gateway.conversations.ttl=2h");
    assertEquals(16L << 20, c.maxBytes());
    assertEquals(Duration.ofHours(2), c.ttl());
  }

  @Test
  void badValuesNameTheKey() {
    for (String bad :
        List.of(
            "supervisor.gateway.conversations.max-bytes=lots",
            "supervisor.gateway.conversations.max-bytes=0",
            "supervisor.gateway.conversations.ttl=0s",
            "supervisor.gateway.conversations.ttl=soon",
            "supervisor.gateway.conversations.size=1")) {
      ConfigException e = assertThrows(ConfigException.class, () -> bind(bad), bad);
      String key = bad.substring(0, bad.indexOf('='));
      assertTrue(e.getMessage().contains(key), e.getMessage());
    }
  }
}
