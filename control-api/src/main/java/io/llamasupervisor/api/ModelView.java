package io.llamasupervisor.api;

import io.llamasupervisor.process.Secrets;
import io.llamasupervisor.supervisor.catalog.CatalogEntry;
import io.llamasupervisor.supervisor.catalog.CatalogFile;
import io.llamasupervisor.supervisor.catalog.ModelSummary;
import io.llamasupervisor.supervisor.launch.LaunchPlan;
import io.llamasupervisor.supervisor.launch.MemoryEstimate;
import io.llamasupervisor.supervisor.memory.MeasuredFootprint;
import io.llamasupervisor.supervisor.supervise.Decision;
import io.llamasupervisor.supervisor.supervise.ModelStatus;
import io.llamasupervisor.supervisor.supervise.Rollout;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The JSON of one model in {@code /api/v1/models}: state, catalog verdict and metadata summary,
 * dry-run launch plan, restart bookkeeping, last decision, instances, the load progress of a
 * starting instance ({@code startup}: elapsed against the startup deadline, load stage), and how it
 * is served: {@code startMode} ({@code always} or {@code on-demand}), {@code ttl} (ISO-8601, e.g.
 * {@code PT5M}, null = none) and {@code replicas}; {@code warnings} such as a start in safe mode;
 * {@code memory} ({@link MemoryView}: estimated and measured bytes per device). Paths are plain
 * strings; values of secret-looking environment variables and of {@code --api-key} are masked.
 */
record ModelView(
    String id,
    String alias,
    String state,
    CatalogView catalog,
    PlanView plan,
    int restarts,
    int failures,
    Instant nextAttempt,
    String lastExit,
    Decision lastDecision,
    Rollout rollout,
    List<ModelStatus.InstanceStatus> instances,
    String startMode,
    String ttl,
    int replicas,
    List<String> warnings,
    LoadProgress startup,
    MemoryView memory) {

  static final String MASK = Secrets.MASK;

  static ModelView of(ModelStatus s) {
    return of(s, null);
  }

  /** With the progress of a loading instance ({@code startup}, null when none loads). */
  static ModelView of(ModelStatus s, LoadProgress startup) {
    return new ModelView(
        s.id(),
        s.alias(),
        s.state(),
        s.entry() == null ? null : CatalogView.of(s.entry()),
        s.plan() == null ? null : PlanView.of(s.plan()),
        s.restarts(),
        s.failures(),
        s.nextAttempt(),
        s.lastExit(),
        s.lastDecision(),
        s.rollout(),
        s.instances().stream().map(ModelView::masked).toList(),
        s.startMode(),
        s.ttl() == null ? null : s.ttl().toString(),
        s.replicas(),
        s.warnings(),
        startup,
        MemoryView.of(s));
  }

  /**
   * The model's memory: {@code estimated} from the dry-run plan (weights, KV cache, compute and
   * output buffers, per device), {@code measured} what its last load logged (null before one);
   * {@code estimatedBytes} and {@code measuredBytes} are their totals (null when unknown).
   */
  record MemoryView(
      Long estimatedBytes,
      Long measuredBytes,
      MemoryEstimate estimated,
      MeasuredFootprint measured) {
    static MemoryView of(ModelStatus s) {
      MemoryEstimate est = s.plan() == null ? null : s.plan().memory();
      MeasuredFootprint got = s.measured();
      return new MemoryView(
          est == null ? null : est.totalBytes(), got == null ? null : got.totalBytes(), est, got);
    }
  }

  /**
   * The verifier's verdict and what the header says.
   *
   * @param verdict {@code accepted} or {@code rejected}
   * @param reason the rejection reason (e.g. {@code TRUNCATED}), null when accepted
   */
  record CatalogView(
      String verdict,
      String reason,
      String message,
      String path,
      List<FileView> files,
      long sizeBytes,
      long weightsBytes,
      String mmproj,
      long mmprojBytes,
      List<String> warnings,
      ModelSummary summary) {
    static CatalogView of(CatalogEntry e) {
      return new CatalogView(
          e.accepted() ? "accepted" : "rejected",
          e.accepted() ? null : e.reason().name(),
          e.message(),
          str(e.path()),
          e.files().stream().map(FileView::of).toList(),
          e.sizeBytes(),
          e.weightsBytes(),
          str(e.mmproj()),
          e.mmprojBytes(),
          e.warnings(),
          e.summary());
    }
  }

  /** One file of a model as verified. */
  record FileView(String path, long size, Instant modified, String sha256) {
    static FileView of(CatalogFile f) {
      return new FileView(str(f.path()), f.size(), f.modified(), f.sha256());
    }
  }

  /** The launch plan without a port ({@code <port>} in argv). */
  record PlanView(
      List<String> argv,
      Map<String, String> env,
      int ctxSize,
      int ctxPerSlot,
      int parallel,
      String cacheTypeK,
      String cacheTypeV,
      String flashAttn,
      List<String> warnings,
      MemoryEstimate memory,
      String planHash) {
    static PlanView of(LaunchPlan p) {
      return new PlanView(
          maskArgv(p.argv()),
          maskEnv(p.env()),
          p.ctxSize(),
          p.ctxPerSlot(),
          p.parallel(),
          p.cacheTypeK().flag(),
          p.cacheTypeV().flag(),
          p.flashAttn().flag(),
          p.warnings(),
          p.memory(),
          p.planHash());
    }
  }

  /** An instance as the core reports it, with secrets in its command line masked. */
  private static ModelStatus.InstanceStatus masked(ModelStatus.InstanceStatus i) {
    return new ModelStatus.InstanceStatus(
        i.generation(),
        i.state(),
        i.pid(),
        i.port(),
        i.url(),
        i.since(),
        i.startedAt(),
        i.adopted(),
        maskArgv(i.argv()),
        i.replica());
  }

  static List<String> maskArgv(List<String> argv) {
    return argv == null ? List.of() : Secrets.maskArgv(argv);
  }

  static Map<String, String> maskEnv(Map<String, String> env) {
    return Secrets.maskEnv(env);
  }

  private static String str(Path p) {
    return p == null ? null : p.toString();
  }
}
