package io.llamasupervisor.testkit;

import io.llamasupervisor.gguf.GgufFile;
import io.llamasupervisor.gguf.GgufVerifier;
import io.llamasupervisor.gguf.Reason;
import io.llamasupervisor.gguf.SplitInfo;
import io.llamasupervisor.gguf.Verdict;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decides whether llama-server would load a model file, from its header alone (verified by the gguf
 * module), and if not, which stderr lines it would print. The checks follow llama.cpp's order:
 * open, gguf header/metadata/tensor infos, split shards, tensor bounds, architecture, required
 * hyperparameters.
 */
final class ModelLoader {
  /** ggml's bounds: SIZE_MAX / sizeof(gguf_tensor_info) and / sizeof(gguf_kv). */
  static final long MAX_TENSORS = 53624256028225440L;

  static final long MAX_KVS = 209622091746699450L;
  private static final long MAX_STRING = 1L << 30;
  private static final Pattern SHARD_SUFFIX = Pattern.compile("-(\\d{5})-of-(\\d{5})\\.gguf$");
  private static final Pattern NUMBER_AFTER_LENGTH = Pattern.compile("length (\\d+)");
  private static final Pattern QUOTED = Pattern.compile("'([^']*)'");
  private static final Pattern BAD_TYPE =
      Pattern.compile("'([^']*)' at offset \\d+ has (?:value|element) type (\\d+)");
  private static final Pattern BAD_OFFSET =
      Pattern.compile("tensor '([^']*)' has data offset (\\d+), expected (\\d+)");

  /** Outcome of a load attempt. */
  sealed interface Result permits Loaded, Failed {}

  record Loaded(ModelInfo model, GgufFile header) implements Result {}

  /** The load fails; {@code lines} is everything llama-server prints before exiting 1. */
  record Failed(List<LogLine> lines) implements Result {}

  private ModelLoader() {}

  static Result load(String pathArg) {
    Path path = Path.of(pathArg);
    Optional<Result> unreadable = openError(pathArg, path);
    if (unreadable.isPresent()) {
      return unreadable.get();
    }
    Verdict v = GgufVerifier.verify(path);
    if (!v.isAccepted() && v.file() == null) {
      return new Failed(rejection(pathArg, path, v));
    }
    GgufFile f = v.file();
    Optional<SplitInfo> split = f.split();
    if (split.isPresent() && split.get().count() > 1) {
      Optional<Result> shards = checkShards(pathArg, split.get());
      if (shards.isPresent()) {
        return shards.get();
      }
    }
    if (!v.isAccepted() && v.reason() != Reason.NOT_A_MODEL) {
      return new Failed(rejection(pathArg, path, v));
    }
    String arch = f.architecture().orElse("");
    if (!Architectures.isKnown(arch)) {
      return new Failed(Failures.model(pathArg, "unknown model architecture: '" + arch + "'"));
    }
    for (String key : List.of("context_length", "embedding_length", "block_count")) {
      if (!(f.metadata().get(arch + "." + key) instanceof Long)) {
        return new Failed(
            Failures.model(
                pathArg,
                "error loading model hyperparameters: key not found in model: "
                    + arch
                    + "."
                    + key));
      }
    }
    if (f.tensorCount() == 0) {
      return new Failed(Failures.model(pathArg, "missing tensor 'token_embd.weight'"));
    }
    return new Loaded(ModelInfo.of(pathArg, f), f);
  }

  /**
   * The {@code --mmproj} check: the file must exist and be a CLIP projector GGUF. Empty when it
   * would load.
   */
  static Optional<List<LogLine>> checkMmproj(String mmprojArg, int threads) {
    Path p = Path.of(mmprojArg);
    if (!Files.isRegularFile(p)) {
      return Optional.of(Failures.mmproj(mmprojArg, true, threads));
    }
    Verdict v = GgufVerifier.verify(p);
    boolean clip =
        v.file() != null && v.file().architecture().map(a -> a.equals("clip")).orElse(false);
    return clip ? Optional.empty() : Optional.of(Failures.mmproj(mmprojArg, false, threads));
  }

  private static Optional<Result> openError(String pathArg, Path path) {
    if (Files.isDirectory(path)) {
      return Optional.of(
          new Failed(Failures.gguf(pathArg, List.of(reader("failed to read magic")))));
    }
    String why =
        !Files.exists(path)
            ? "No such file or directory"
            : !Files.isReadable(path) ? "Permission denied" : null;
    if (why == null) {
      return Optional.empty();
    }
    return Optional.of(new Failed(Failures.gguf(pathArg, List.of(openFailed(pathArg, why)))));
  }

  private static Optional<Result> checkShards(String pathArg, SplitInfo split) {
    if (split.no() != 0) {
      return Optional.of(
          new Failed(
              Failures.model(
                  pathArg,
                  "illegal split file idx: "
                      + split.no()
                      + " (file: "
                      + pathArg
                      + "), model must be loaded with the first split")));
    }
    Matcher m = SHARD_SUFFIX.matcher(pathArg);
    if (!m.find()) {
      return Optional.of(
          new Failed(Failures.model(pathArg, "invalid split file name: " + pathArg)));
    }
    String prefix = pathArg.substring(0, m.start());
    for (int n = 2; n <= split.count(); n++) {
      String shardArg = String.format("%s-%05d-of-%05d.gguf", prefix, n, split.count());
      Path shard = Path.of(shardArg);
      if (!Files.isRegularFile(shard)) {
        return Optional.of(
            new Failed(
                Failures.load(
                    pathArg,
                    List.of(openFailed(shardArg, "No such file or directory")),
                    "llama_model_loader: failed to load GGUF split from " + shardArg)));
      }
      Verdict sv = GgufVerifier.verify(shard);
      if (!sv.isAccepted()) {
        return Optional.of(new Failed(rejection(pathArg, shard, sv)));
      }
    }
    return Optional.empty();
  }

  /** The lines for a file the gguf module rejected, translated to llama.cpp's wording. */
  static List<LogLine> rejection(String pathArg, Path path, Verdict v) {
    byte[] head = head(path);
    String msg = v.message();
    switch (v.reason()) {
      case EMPTY_FILE:
        return Failures.gguf(pathArg, List.of(reader("failed to read magic")));
      case BAD_MAGIC:
        return Failures.gguf(
            pathArg,
            List.of(
                reader(
                    "invalid magic characters: '"
                        + new String(head, 0, Math.min(4, head.length), StandardCharsets.ISO_8859_1)
                        + "', expected 'GGUF'")));
      case UNSUPPORTED_VERSION:
      case BYTE_ORDER:
        return Failures.gguf(pathArg, List.of(versionLine(u32(head, 4)), header()));
      case TRUNCATED:
        if (head.length < 4) {
          return Failures.gguf(pathArg, List.of(reader("failed to read magic")));
        }
        if (msg.contains("tensor data")) {
          return Failures.model(
              pathArg,
              "tensor '"
                  + quoted(msg)
                  + "' data is not within the file bounds, model is corrupted or incomplete");
        }
        return Failures.gguf(pathArg, List.of(sectionLine(msg)));
      case LIMIT_EXCEEDED:
        return Failures.gguf(pathArg, limitLines(head, msg));
      case INVALID_VALUE_TYPE:
        {
          Matcher m = BAD_TYPE.matcher(msg);
          List<LogLine> lines = new ArrayList<>();
          if (m.find()) {
            lines.add(reader("key '" + m.group(1) + "' has invalid GGUF type " + m.group(2)));
          }
          lines.add(reader("failed to read key-value pairs"));
          return Failures.gguf(pathArg, lines);
        }
      case INVALID_ALIGNMENT:
        return Failures.gguf(
            pathArg,
            List.of(
                reader("alignment is not a power of 2"), reader("failed to read key-value pairs")));
      case DUPLICATE_KEY:
        return Failures.gguf(
            pathArg,
            List.of(
                reader("duplicate key '" + quoted(msg) + "'"),
                reader(
                    msg.startsWith("duplicate tensor")
                        ? "failed to read tensor info"
                        : "failed to read key-value pairs")));
      case TENSOR_OUT_OF_BOUNDS:
        {
          Matcher m = BAD_OFFSET.matcher(msg);
          if (m.find()) {
            return Failures.gguf(
                pathArg,
                List.of(
                    reader(
                        "tensor '"
                            + m.group(1)
                            + "' has offset "
                            + m.group(2)
                            + ", expected "
                            + m.group(3)),
                    reader("failed to read tensor data")));
          }
          return Failures.gguf(pathArg, List.of(reader("failed to read tensor info")));
        }
      case NOT_A_MODEL:
        return Failures.model(pathArg, "unknown model architecture: ''");
      default:
        return Failures.gguf(pathArg, List.of(openFailed(pathArg, "Input/output error")));
    }
  }

  private static List<LogLine> limitLines(byte[] head, String msg) {
    if (head.length >= 24) {
      long tensors = u64(head, 8);
      long kvs = u64(head, 16);
      if (Long.compareUnsigned(tensors, MAX_TENSORS) > 0) {
        return List.of(
            reader(
                "number of tensors is "
                    + Long.toUnsignedString(tensors)
                    + " but must be in [0, "
                    + MAX_TENSORS
                    + "]"),
            header());
      }
      if (Long.compareUnsigned(kvs, MAX_KVS) > 0) {
        return List.of(
            reader(
                "number of key value pairs is "
                    + Long.toUnsignedString(kvs)
                    + " but must be in [0, "
                    + MAX_KVS
                    + "]"),
            header());
      }
    }
    Matcher m = NUMBER_AFTER_LENGTH.matcher(msg);
    if (msg.contains("string length") || msg.contains("key length")) {
      List<LogLine> lines = new ArrayList<>();
      if (m.find() && new BigInteger(m.group(1)).compareTo(BigInteger.valueOf(MAX_STRING)) > 0) {
        lines.add(
            LogLine.error(
                null, "read", "string length " + m.group(1) + " exceeds maximum " + MAX_STRING));
      }
      lines.add(reader("failed to read key-value pairs"));
      return lines;
    }
    if (msg.startsWith("tensor")) {
      return List.of(reader("failed to read tensor info"));
    }
    return List.of(reader("failed to read key-value pairs"));
  }

  private static LogLine sectionLine(String msg) {
    if (msg.contains("truncated metadata")) {
      return reader("failed to read key-value pairs");
    }
    if (msg.contains("truncated tensor infos")) {
      return reader("failed to read tensor info");
    }
    return header();
  }

  private static LogLine versionLine(long version) {
    if (version == 0) {
      return reader("bad GGUF version: 0");
    }
    if ((version & 0xFFFF) == 0) {
      return reader(
          "failed to load model: this GGUF file version "
              + version
              + " is extremely large, is there a mismatch between the host and model endianness?");
    }
    if (version == 1) {
      return reader("GGUFv1 is no longer supported, please use a more up-to-date version");
    }
    return reader(
        "this GGUF file is version "
            + version
            + " but this software only supports up to version 3");
  }

  private static LogLine header() {
    return reader("failed to read header");
  }

  private static LogLine reader(String message) {
    return LogLine.error(null, "gguf_init_from_reader", message);
  }

  private static LogLine openFailed(String pathArg, String why) {
    return LogLine.error(
        null, "gguf_init_from_file", "failed to open GGUF file '" + pathArg + "' (" + why + ")");
  }

  private static String quoted(String msg) {
    Matcher m = QUOTED.matcher(msg);
    return m.find() ? m.group(1) : "";
  }

  /** Up to the first 24 bytes of the file (the fixed GGUF header). */
  private static byte[] head(Path path) {
    try (InputStream in = Files.newInputStream(path)) {
      return in.readNBytes(24);
    } catch (IOException e) {
      return new byte[0];
    }
  }

  private static long u32(byte[] b, int at) {
    if (b.length < at + 4) {
      return -1;
    }
    return ByteBuffer.wrap(b, at, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL;
  }

  private static long u64(byte[] b, int at) {
    return ByteBuffer.wrap(b, at, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }
}
