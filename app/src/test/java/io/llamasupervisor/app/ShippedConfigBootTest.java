package io.llamasupervisor.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micronaut.context.ApplicationContext;
import org.junit.jupiter.api.Test;

/** serve boots Micronaut with the core's shipped application.yml: Micronaut must accept it too. */
class ShippedConfigBootTest {
  @Test
  void micronautBootsWithTheShippedFile() {
    try (ApplicationContext ctx = ApplicationContext.run()) {
      assertEquals(
          "llama-supervisor",
          ctx.getProperty("micronaut.application.name", String.class).orElseThrow());
      assertEquals(
          4096, ctx.getProperty("supervisor.defaults.ctx-size", Integer.class).orElseThrow());
    }
  }
}
