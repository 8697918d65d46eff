package io.llamasupervisor.process;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Masks secrets in a command line and its environment wherever they are shown (logs, the API): the
 * values of {@code --api-key} and {@code --hf-token} (as {@code --api-key K} and {@code
 * --api-key=K}) and of environment variables whose name looks secret ({@code KEY}, {@code TOKEN},
 * {@code SECRET}, {@code PASSWORD}, {@code PASSWD}, {@code CREDENTIAL}, any case). Pure.
 */
public final class Secrets {
  /** What a secret value is replaced with. */
  public static final String MASK = "***";

  private static final List<String> SECRET_OPTIONS = List.of("--api-key", "--hf-token");
  private static final Pattern SECRET_NAME =
      Pattern.compile("(?i).*(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL).*");

  private Secrets() {}

  /** A copy of {@code argv} with the values of secret-bearing options masked. */
  public static List<String> maskArgv(List<String> argv) {
    List<String> out = new ArrayList<>(argv);
    for (int i = 0; i < out.size(); i++) {
      String a = out.get(i);
      for (String option : SECRET_OPTIONS) {
        if (a.equals(option) && i + 1 < out.size()) {
          out.set(i + 1, MASK);
        } else if (a.startsWith(option + "=")) {
          out.set(i, option + "=" + MASK);
        }
      }
    }
    return out;
  }

  /** A copy of {@code env}, sorted by name, with the values of secret-looking names masked. */
  public static Map<String, String> maskEnv(Map<String, String> env) {
    Map<String, String> out = new TreeMap<>();
    env.forEach((k, v) -> out.put(k, SECRET_NAME.matcher(k).matches() ? MASK : v));
    return out;
  }
}
