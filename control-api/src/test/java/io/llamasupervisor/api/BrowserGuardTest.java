package io.llamasupervisor.api;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BrowserGuardTest {
  @Test
  void loopbackNamesAreRecognised() {
    for (String ok :
        new String[] {
          "127.0.0.1:8090", "localhost", "localhost:8090", "[::1]:8090", "app.localhost"
        }) {
      assertTrue(ApiKeyFilter.isLoopbackAuthority(ok), ok);
    }
    for (String bad :
        new String[] {"evil.example:8090", "10.0.0.5", "attacker.com", "127.0.0.1.evil.com:80"}) {
      assertFalse(ApiKeyFilter.isLoopbackAuthority(bad), bad);
    }
  }
}
