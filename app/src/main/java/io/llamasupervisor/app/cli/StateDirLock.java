package io.llamasupervisor.app.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on {@code <state-dir>/lock}, held while {@code serve} runs: a second supervisor
 * on the same state directory would overwrite the state file and stop the first one's instances.
 * The operating system releases it when the process dies, also after SIGKILL. A lock held by
 * another process and one already held by this process are refused alike.
 */
final class StateDirLock implements AutoCloseable {
  private final FileChannel channel;
  private final FileLock lock;

  private StateDirLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * @throws IllegalStateException when another process holds the lock or it cannot be taken
   */
  static StateDirLock acquire(Path stateDir) {
    Path file = stateDir.resolve("lock");
    try {
      Files.createDirectories(stateDir);
      FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock l;
      try {
        l = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        l = null; // held by this very process (a second serve in one JVM)
      }
      if (l == null) {
        ch.close();
        throw new IllegalStateException(
            "another llama-supervisor is running with state directory "
                + stateDir
                + " (pass --state-dir to run a second one)");
      }
      return new StateDirLock(ch, l);
    } catch (IOException e) {
      throw new IllegalStateException("cannot lock state directory " + stateDir + ": " + e, e);
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      // the process is ending; the OS releases the lock anyway
    }
  }
}
