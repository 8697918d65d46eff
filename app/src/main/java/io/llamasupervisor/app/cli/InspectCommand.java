package io.llamasupervisor.app.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasupervisor.gguf.GgufFile;
import io.llamasupervisor.gguf.GgufVerifier;
import io.llamasupervisor.gguf.Verdict;
import io.llamasupervisor.json.JsonMappers;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code inspect FILE... [--json]}: verifies GGUF files and prints the verdict and key metadata.
 * Exit code 0 when every file is accepted, 2 when any is rejected, 1 on usage errors.
 */
@Command(
    name = "inspect",
    description = "Verify GGUF files and show their key metadata.",
    footer = {"", "Exit code: 0 every file accepted, 2 any rejected, 1 usage error."})
public final class InspectCommand extends CliCommand {
  private static final ObjectMapper JSON = JsonMappers.mapper();

  @Parameters(
      paramLabel = "FILE",
      arity = "1..*",
      description = "GGUF files (a shard verifies its whole set).")
  List<Path> files;

  @Option(names = "--json", description = "One JSON object per file and line.")
  boolean json;

  @Override
  public Integer call() {
    PrintWriter out = out();
    boolean allAccepted = true;
    for (Path f : files) {
      Verdict v = GgufVerifier.verifySet(f);
      allAccepted &= v.isAccepted();
      Map<String, Object> fields = fields(f, v);
      if (json) {
        try {
          out.println(JSON.writeValueAsString(fields));
        } catch (JsonProcessingException e) {
          throw new IllegalStateException(e);
        }
      } else {
        printHuman(out, fields);
      }
    }
    return allAccepted ? 0 : 2;
  }

  /** The JSON fields of one verdict, in a stable order. */
  public static Map<String, Object> fields(Path path, Verdict v) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("path", path.toString());
    m.put("verdict", v.isAccepted() ? "accepted" : "rejected");
    if (!v.isAccepted()) {
      m.put("reason", v.reason().name());
    }
    m.put("message", v.message());
    GgufFile h = v.file();
    m.put("version", h == null ? null : h.version());
    m.put("tensorCount", h == null ? null : h.tensorCount());
    m.put("metadataCount", h == null ? null : h.metadata().size());
    m.put("architecture", h == null ? null : h.architecture().orElse(null));
    m.put("name", h == null ? null : h.name().orElse(null));
    m.put("fileType", h == null ? null : h.fileTypeName().orElse(null));
    m.put("contextLength", h == null ? null : boxed(h.contextLength()));
    m.put("blockCount", h == null ? null : boxed(h.blockCount()));
    m.put("embeddingLength", h == null ? null : boxed(h.embeddingLength()));
    m.put("headCount", h == null ? null : boxed(h.headCount()));
    m.put("headCountKv", h == null ? null : headCountKv(h));
    m.put("tensorBytes", h == null ? null : h.tensorBytes());
    m.put("dataOffset", h == null ? null : h.dataOffset());
    m.put(
        "split",
        h == null
            ? null
            : h.split().map(s -> Map.of("no", s.no() + 1, "count", s.count())).orElse(null));
    return m;
  }

  private static Object headCountKv(GgufFile h) {
    Optional<long[]> perLayer = h.headCountKvPerLayer();
    if (perLayer.isEmpty()) {
      return boxed(h.headCountKv());
    }
    long[] values = perLayer.get();
    boolean uniform = Arrays.stream(values).allMatch(x -> x == values[0]);
    return uniform && values.length > 0 ? (Object) values[0] : values;
  }

  private static Long boxed(OptionalLong v) {
    return v.isPresent() ? v.getAsLong() : null;
  }

  private static void printHuman(PrintWriter out, Map<String, Object> f) {
    out.println(f.get("path"));
    out.println(
        "  verdict:  "
            + f.get("verdict")
            + (f.containsKey("reason") ? " (" + f.get("reason") + ")" : ""));
    if (f.containsKey("reason")) {
      out.println("  reason:   " + f.get("message"));
    }
    for (String k :
        List.of(
            "architecture",
            "name",
            "fileType",
            "contextLength",
            "blockCount",
            "embeddingLength",
            "headCount",
            "headCountKv",
            "tensorCount",
            "metadataCount",
            "tensorBytes",
            "split")) {
      Object value = f.get(k);
      if (value != null) {
        String text = value instanceof long[] a ? Arrays.toString(a) : String.valueOf(value);
        out.printf("  %-16s %s%n", k + ":", text);
      }
    }
  }
}
