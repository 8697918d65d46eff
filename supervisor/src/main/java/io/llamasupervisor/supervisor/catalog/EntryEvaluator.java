package io.llamasupervisor.supervisor.catalog;

import io.llamasupervisor.gguf.GgufFile;
import io.llamasupervisor.gguf.GgufFormatException;
import io.llamasupervisor.gguf.GgufReader;
import io.llamasupervisor.gguf.GgufVerifier;
import io.llamasupervisor.gguf.Reason;
import io.llamasupervisor.gguf.SplitName;
import io.llamasupervisor.gguf.Verdict;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** Verifies the files of one {@link ModelUnit} and builds its {@link CatalogEntry}. */
final class EntryEvaluator {
  private static final String PROJECTOR_ARCH = "clip";

  private final boolean sha256;

  EntryEvaluator(boolean sha256) {
    this.sha256 = sha256;
  }

  CatalogEntry evaluate(ModelUnit unit, Map<Path, FileSignature> signatures) {
    List<String> warnings = new ArrayList<>();
    Verdict verdict = GgufVerifier.verifySet(unit.primary());
    Reason reason = verdict.reason();
    String message = verdict.message();
    GgufFile header = verdict.file();
    long weights = 0;
    if (verdict.isAccepted() && PROJECTOR_ARCH.equals(header.architecture().orElse(""))) {
      // llama-server cannot run a projector as a model: it exits at load
      reason = Reason.NOT_A_MODEL;
      message =
          "a multimodal projector (architecture clip), not a model: name it mmproj*.gguf to attach"
              + " it to the models of its folder";
    } else if (verdict.isAccepted()) {
      try {
        weights = weightsOf(unit, header);
      } catch (IOException | GgufFormatException e) {
        reason = Reason.IO_ERROR;
        message = "cannot re-read a shard of " + unit.primary().getFileName() + ": " + e;
      }
    }

    Path mmproj = null;
    long mmprojBytes = 0;
    if (reason == null) {
      for (Path p : unit.projectors()) {
        Verdict pv = GgufVerifier.verify(p);
        if (!pv.isAccepted()) {
          warnings.add(
              "projector " + p.getFileName() + " rejected: " + pv.reason() + ": " + pv.message());
        } else if (mmproj == null) {
          mmproj = p;
          mmprojBytes = pv.file().tensorBytes();
        } else {
          warnings.add(
              "several projectors in the folder: using "
                  + mmproj.getFileName()
                  + ", not "
                  + p.getFileName());
        }
      }
    }

    List<CatalogFile> files = new ArrayList<>();
    for (Path f : unit.files()) {
      FileSignature sig = signatures.get(f);
      String digest = sha256 && reason == null ? sha256(f) : null;
      files.add(new CatalogFile(f, sig.size(), sig.modified().toInstant(), digest));
    }
    return new CatalogEntry(
        unit.id(),
        null,
        unit.primary(),
        files,
        mmproj,
        reason,
        message,
        header == null ? null : ModelSummary.of(header),
        header,
        weights,
        mmprojBytes,
        warnings);
  }

  /** Tensor bytes over all shards: the accepted verdict only carries the first one's header. */
  private static long weightsOf(ModelUnit unit, GgufFile first)
      throws IOException, GgufFormatException {
    var split = SplitName.parse(unit.primary());
    if (split.isEmpty()) {
      return first.tensorBytes();
    }
    List<GgufFile> shards = new ArrayList<>();
    shards.add(first);
    for (int n = 2; n <= split.get().count(); n++) {
      shards.add(GgufReader.read(unit.primary().resolveSibling(split.get().shardFileName(n))));
    }
    return GgufVerifier.tensorBytes(shards);
  }

  private static String sha256(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      return null; // vanished meanwhile: the next poll sees it
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
