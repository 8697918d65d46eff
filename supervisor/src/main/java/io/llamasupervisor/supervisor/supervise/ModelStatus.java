package io.llamasupervisor.supervisor.supervise;

import io.llamasupervisor.supervisor.catalog.CatalogEntry;
import io.llamasupervisor.supervisor.launch.LaunchPlan;
import io.llamasupervisor.supervisor.memory.ModelMemory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A read-only view of one model for the API and logs.
 *
 * @param id model id
 * @param alias alias, may be null
 * @param state model state: {@code pending}, {@code starting}, {@code ready}, {@code backoff},
 *     {@code failed}, {@code stopped}, {@code stopping}, {@code idle}, {@code rejected}, {@code
 *     unavailable}
 * @param restarts automatic restarts so far
 * @param failures consecutive failures counted by the restart policy
 * @param nextAttempt next automatic start when backing off, else null
 * @param lastExit description of the last unexpected exit, e.g. {@code EXITED(1)}, or null
 * @param lastDecision the last decision with its reason
 * @param rollout progress of the current or last blue-green replacement, or null
 * @param instances live instances
 * @param entry the catalog entry: verdict, files, metadata summary; null once the file is gone
 * @param plan the dry-run launch plan (port {@link LaunchPlan#PORT_PLACEHOLDER}); null when the
 *     model is rejected, removed or cannot be planned
 * @param startMode {@code always} or {@code on-demand}
 * @param ttl idle time after which a running model is stopped (state {@code idle}, reason {@link
 *     ReasonCode#IDLE_TTL}); null = never
 * @param replicas instances configured to serve side by side
 * @param warnings what the user should know about how the model runs, e.g. that it was started in
 *     safe mode after a crash while loading
 * @param memory its footprint (estimated, measured, resident), pin, priority and any wait for
 *     memory
 */
public record ModelStatus(
    String id,
    String alias,
    String state,
    int restarts,
    int failures,
    Instant nextAttempt,
    String lastExit,
    Decision lastDecision,
    Rollout rollout,
    List<InstanceStatus> instances,
    CatalogEntry entry,
    LaunchPlan plan,
    String startMode,
    Duration ttl,
    int replicas,
    List<String> warnings,
    ModelMemory memory) {

  public ModelStatus {
    warnings = warnings == null ? List.of() : List.copyOf(warnings);
    memory = memory == null ? ModelMemory.UNKNOWN : memory;
  }

  /**
   * One instance.
   *
   * @param generation generation number
   * @param state instance state
   * @param pid process id
   * @param port port
   * @param url base URL
   * @param since when it entered this state
   * @param startedAt when it was spawned
   * @param adopted taken over from an earlier supervisor run
   * @param argv the exact command line
   * @param replica which replica of the model it is (0 when the model has one)
   */
  public record InstanceStatus(
      int generation,
      String state,
      long pid,
      int port,
      String url,
      Instant since,
      Instant startedAt,
      boolean adopted,
      List<String> argv,
      int replica) {
    /** An instance of replica 0. */
    public InstanceStatus(
        int generation,
        String state,
        long pid,
        int port,
        String url,
        Instant since,
        Instant startedAt,
        boolean adopted,
        List<String> argv) {
      this(generation, state, pid, port, url, since, startedAt, adopted, argv, 0);
    }
  }
}
