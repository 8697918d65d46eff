package io.llamasupervisor.supervisor.catalog;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.gguf.testing.GgufWriter;
import io.llamasupervisor.supervisor.catalog.CatalogEvent.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The background poller and the WatchService trigger, on the real clock and file system. */
class ModelCatalogPollerIT {
  @TempDir Path models;

  private static boolean seen(List<CatalogEvent> events, Type type, String id) {
    return events.stream().anyMatch(e -> e.type() == type && e.id().equals(id));
  }

  private static boolean catalogThreadsAlive() {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().startsWith("model-catalog-"));
  }

  @Test
  void backgroundPollingPublishesAdditionsAndRemovals() throws Exception {
    CatalogOptions o =
        new CatalogOptions(models, Duration.ofMillis(100), Duration.ZERO, false, false, false);
    List<CatalogEvent> events = new CopyOnWriteArrayList<>();
    try (ModelCatalog c = new ModelCatalog(o, Clock.systemUTC())) {
      c.addListener(events::add);
      c.start();
      Path p = GgufWriter.llama(2048, 128, 4, 2, 2).write(models.resolve("pub/repo/m.gguf"));
      await().atMost(Duration.ofSeconds(10)).until(() -> seen(events, Type.ADDED, "pub/repo/m"));
      Files.delete(p);
      await().atMost(Duration.ofSeconds(10)).until(() -> seen(events, Type.REMOVED, "pub/repo/m"));
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> !catalogThreadsAlive());
  }

  /** With an hour between polls, only the WatchService can make a new file show up quickly. */
  @Test
  void watchServiceTriggersAnEarlyPoll() throws Exception {
    CatalogOptions o =
        new CatalogOptions(models, Duration.ofHours(1), Duration.ZERO, false, false, true);
    List<CatalogEvent> events = new CopyOnWriteArrayList<>();
    try (ModelCatalog c = new ModelCatalog(o, Clock.systemUTC())) {
      GgufWriter.llama(2048, 128, 4, 2, 2).write(models.resolve("sentinel.gguf"));
      c.addListener(events::add);
      c.start();
      // the sentinel shows up through the follow-up poll; by then the directory is watched and
      // nothing is pending, so the next regular poll is an hour away
      await().atMost(Duration.ofSeconds(10)).until(() -> seen(events, Type.ADDED, "sentinel"));
      GgufWriter.llama(2048, 128, 4, 2, 2).write(models.resolve("m.gguf"));
      await().atMost(Duration.ofSeconds(10)).until(() -> seen(events, Type.ADDED, "m"));
      assertTrue(c.find("m").isPresent());
    }
  }
}
