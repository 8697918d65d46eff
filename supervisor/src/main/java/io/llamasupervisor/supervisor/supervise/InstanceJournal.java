package io.llamasupervisor.supervisor.supervise;

import io.llamasupervisor.process.ProcessIdentity;
import io.llamasupervisor.supervisor.state.InstanceRecord;
import io.llamasupervisor.supervisor.state.StateFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Mirrors the live instances into the {@link StateFile} after every change. */
final class InstanceJournal {
  private static final Logger LOG = LoggerFactory.getLogger(InstanceJournal.class);

  private final StateFile file;
  private List<InstanceRecord> last = List.of();

  InstanceJournal(Path path) {
    this.file = new StateFile(path);
  }

  List<InstanceRecord> read() {
    return file.read();
  }

  /** Writes the records of every live instance; skips the write when nothing changed. */
  void write(Collection<ModelRuntime> models, List<InstanceRecord> untracked) {
    List<InstanceRecord> records = new ArrayList<>(untracked);
    for (ModelRuntime m : models) {
      for (InstanceRuntime i : m.instances) {
        if (!i.state.isLive()) {
          continue;
        }
        ProcessIdentity id = i.identity;
        records.add(
            new InstanceRecord(
                m.id,
                i.generation,
                id.pid(),
                id.startTicks(),
                id.argvHash(),
                i.port,
                FleetState.identity(i.desiredHash),
                i.process.logs().file().toString(),
                i.state == InstanceState.READY,
                i.replica));
      }
    }
    if (records.equals(last)) {
      return;
    }
    try {
      file.write(records);
      last = records;
    } catch (IOException e) {
      LOG.error("cannot write state file {}: {}", file.path(), e.toString());
    }
  }
}
