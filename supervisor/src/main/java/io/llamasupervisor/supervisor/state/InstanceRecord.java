package io.llamasupervisor.supervisor.state;

/**
 * What the state file remembers of one running instance, enough to adopt or stop it after the
 * supervisor itself was killed.
 *
 * @param model model id
 * @param generation generation number of this instance
 * @param pid process id (also its process group id)
 * @param startTicks process start time in clock ticks since boot ({@code /proc/<pid>/stat} field
 *     22): with the pid, identifies the process even after pid reuse
 * @param argvHash sha256 of the NUL-joined command line
 * @param port the port it listens on
 * @param planHash hash of the launch plan it was started from
 * @param logFile where its stdout and stderr go
 * @param published whether it was the generation serving traffic (in the routing table)
 * @param replica which replica of the model it is (0 when the model has one; files written before
 *     replicas existed read as 0)
 */
public record InstanceRecord(
    String model,
    int generation,
    long pid,
    long startTicks,
    String argvHash,
    int port,
    String planHash,
    String logFile,
    boolean published,
    int replica) {

  /** A record of replica 0. */
  public InstanceRecord(
      String model,
      int generation,
      long pid,
      long startTicks,
      String argvHash,
      int port,
      String planHash,
      String logFile,
      boolean published) {
    this(model, generation, pid, startTicks, argvHash, port, planHash, logFile, published, 0);
  }
}
