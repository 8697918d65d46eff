package io.llamasupervisor.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClassPreloadTest {
  @Test
  void everyListedClassStillExistsSoTheListDoesNotRotUnnoticed() throws IOException {
    long listed;
    try (InputStream in = ClassPreload.class.getResourceAsStream(ClassPreload.LIST)) {
      listed =
          new String(in.readAllBytes(), StandardCharsets.UTF_8)
              .lines()
              .map(String::strip)
              .filter(l -> !l.isEmpty() && !l.startsWith("#"))
              .count();
    }
    assertTrue(listed > 100, "the list holds the first start's classes: " + listed);
    ClassPreload.Result r = ClassPreload.run();
    assertEquals(List.of(), r.missing());
    assertEquals(listed, r.loaded());
  }

  @Test
  void nettysNativeTransportClassesAreOnlyInitialisedWhenItsLibraryLoaded() {
    assertTrue(ClassPreload.initialise("io.netty.channel.epoll.EpollSocketChannelConfig", true));
    assertFalse(ClassPreload.initialise("io.netty.channel.epoll.EpollSocketChannelConfig", false));
    assertFalse(ClassPreload.initialise("io.netty.channel.unix.Errors", false));
    assertTrue(ClassPreload.initialise("io.llamasupervisor.gateway.Exchange", false));
  }
}
