package io.llamasupervisor.api;

import io.llamasupervisor.supervisor.supervise.Fleet;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

/**
 * {@code GET /api/v1/memory}: the memory budget per device (budget, margin, capacity, used, free,
 * and what the device itself reports), the memory each resident model uses (estimated and, when
 * known, measured), and the starts that wait for memory. Runs on the blocking executor (the fleet
 * answers from its state thread).
 */
@Controller("/api/v1")
@ExecuteOn(TaskExecutors.BLOCKING)
final class MemoryController {
  private final Fleet fleet;

  MemoryController(Fleet fleet) {
    this.fleet = fleet;
  }

  @Get(uri = "/memory", produces = MediaType.APPLICATION_JSON)
  MutableHttpResponse<byte[]> memory() {
    return ModelsController.json(HttpStatus.OK, fleet.memory());
  }
}
