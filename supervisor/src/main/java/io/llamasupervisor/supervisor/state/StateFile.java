package io.llamasupervisor.supervisor.state;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasupervisor.json.JsonMappers;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The supervisor's record of running instances, written atomically (temp file, rename) on every
 * change so that a supervisor killed at any moment leaves either the old or the new list.
 *
 * <p>Without fsync: the record is of use only while the processes it names are alive, and the one
 * failure an fsync guards against, a crash of the operating system, ends them too (an unreadable
 * file is logged and ignored). An fsync per change cost the state thread 5-20 ms on a busy disk.
 */
public final class StateFile {
  private static final Logger LOG = LoggerFactory.getLogger(StateFile.class);
  private static final ObjectMapper JSON = JsonMappers.mapper();

  private record Content(int format, List<InstanceRecord> instances) {}

  private final Path path;

  public StateFile(Path path) {
    this.path = path;
  }

  public Path path() {
    return path;
  }

  /**
   * The recorded instances; empty when the file is missing. A corrupt file is logged, not fatal.
   */
  public List<InstanceRecord> read() {
    if (!Files.exists(path)) {
      return List.of();
    }
    try {
      Content c = JSON.readValue(path.toFile(), new TypeReference<Content>() {});
      return c.instances() == null ? List.of() : List.copyOf(c.instances());
    } catch (IOException e) {
      LOG.warn("ignoring unreadable state file {}: {}", path, e.getMessage());
      return List.of();
    }
  }

  /** Replaces the file's content atomically. */
  public synchronized void write(List<InstanceRecord> instances) throws IOException {
    Files.createDirectories(path.toAbsolutePath().getParent());
    Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
    byte[] bytes =
        JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(new Content(1, instances));
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(bytes));
    }
    try {
      Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
