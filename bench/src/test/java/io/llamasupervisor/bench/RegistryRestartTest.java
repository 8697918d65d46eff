package io.llamasupervisor.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import org.junit.jupiter.api.Test;

class RegistryRestartTest {
  @Test
  void restartUriKeepsTheSlashesOfTheModelIdAndEncodesTheRest() {
    assertEquals(
        URI.create("http://h:1/api/v1/models/org/tiny%20model/restart"),
        RegistryRestart.uri("http://h:1", "org/tiny model"));
  }
}
