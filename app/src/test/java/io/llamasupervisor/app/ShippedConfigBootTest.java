package io.llamasupervisor.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micronaut.context.ApplicationContext;
import io.micronaut.context.env.Environment;
import org.junit.jupiter.api.Test;

/** serve boots Micronaut with the core's shipped application.yml: Micronaut must accept it too. */
class ShippedConfigBootTest {
  @Test
  void micronautBootsWithTheShippedFile() {
    // the environment alone: the API's beans need a Fleet, which only serve provides
    try (ApplicationContext ctx = ApplicationContext.builder().build()) {
      Environment env = ctx.getEnvironment().start();
      assertEquals(
          "llama-supervisor",
          env.getProperty("micronaut.application.name", String.class).orElseThrow());
      assertEquals(
          4096, env.getProperty("supervisor.defaults.ctx-size", Integer.class).orElseThrow());
    }
  }
}
