package io.llamasupervisor.cache;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The paraphrase / near-miss corpus in {@code semantic-corpus.tsv}. */
final class Corpus {
  record Pair(boolean paraphrase, String stored, String asked) {}

  static List<Pair> load() throws IOException {
    List<Pair> out = new ArrayList<>();
    try (BufferedReader r =
        new BufferedReader(
            new InputStreamReader(
                Corpus.class.getResourceAsStream("/semantic-corpus.tsv"),
                StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] f = line.split("\t");
        if (f.length != 3) {
          throw new IllegalStateException("bad corpus line: " + line);
        }
        out.add(new Pair(f[0].equals("paraphrase"), f[1], f[2]));
      }
    }
    return out;
  }

  static List<Pair> paraphrases() throws IOException {
    return load().stream().filter(Pair::paraphrase).toList();
  }

  static List<Pair> nearMisses() throws IOException {
    return load().stream().filter(p -> !p.paraphrase()).toList();
  }

  private Corpus() {}
}
