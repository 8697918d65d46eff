package io.llamasupervisor.supervisor.catalog;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Triggers an early poll when something changes in a watched directory. Only a hint: the poll
 * decides what changed, so lost or merged events (inotify overflow) cost latency, not correctness.
 * The JDK WatchService is not recursive: the catalog registers every directory it visits.
 */
final class DirectoryWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DirectoryWatcher.class);

  private final WatchService service;
  private final Runnable onChange;
  private final Map<Path, WatchKey> keys = new ConcurrentHashMap<>();
  private final Thread thread;

  private DirectoryWatcher(WatchService service, Runnable onChange) {
    this.service = service;
    this.onChange = onChange;
    this.thread = new Thread(this::run, "model-catalog-watch");
    thread.setDaemon(true);
  }

  static DirectoryWatcher start(Runnable onChange) throws IOException {
    DirectoryWatcher w = new DirectoryWatcher(FileSystems.getDefault().newWatchService(), onChange);
    w.thread.start();
    return w;
  }

  /** Watches exactly {@code dirs}: registers new ones, cancels those no longer listed. */
  void watchExactly(Set<Path> dirs) {
    keys.entrySet()
        .removeIf(
            e -> {
              if (!dirs.contains(e.getKey()) || !e.getValue().isValid()) {
                e.getValue().cancel();
                return true;
              }
              return false;
            });
    for (Path dir : dirs) {
      if (!keys.containsKey(dir)) {
        try {
          keys.put(dir, dir.register(service, ENTRY_CREATE, ENTRY_DELETE, ENTRY_MODIFY));
        } catch (IOException | ClosedWatchServiceException | UnsupportedOperationException e) {
          LOG.debug("cannot watch {}: {}", dir, e.toString()); // polling still covers it
        }
      }
    }
  }

  private void run() {
    try {
      while (true) {
        WatchKey key = service.take();
        key.pollEvents();
        key.reset();
        onChange.run();
      }
    } catch (ClosedWatchServiceException | InterruptedException e) {
      // closed: exit
    } catch (RuntimeException e) {
      LOG.warn("directory watch stopped, polling continues: {}", e.toString());
    }
  }

  @Override
  public void close() {
    try {
      service.close();
    } catch (IOException e) {
      LOG.debug("closing watch service: {}", e.toString());
    }
    thread.interrupt();
    try {
      thread.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
