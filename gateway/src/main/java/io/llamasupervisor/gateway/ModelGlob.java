package io.llamasupervisor.gateway;

import java.util.regex.Pattern;

/**
 * A pattern over model ids: {@code **} matches anything (also {@code /}), {@code *} anything but
 * {@code /}, {@code ?} one character but {@code /}; everything else matches itself. {@code acme/**}
 * matches {@code acme/x/y.gguf}; {@code acme/*} only {@code acme/x}. Immutable.
 */
public final class ModelGlob {
  private final String text;
  private final Pattern pattern;

  private ModelGlob(String text, Pattern pattern) {
    this.text = text;
    this.pattern = pattern;
  }

  /**
   * @throws IllegalArgumentException when blank
   */
  public static ModelGlob of(String glob) {
    if (glob == null || glob.isBlank()) {
      throw new IllegalArgumentException("model glob must not be blank");
    }
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
        re.append(".*");
        i++;
      } else if (c == '*') {
        re.append("[^/]*");
      } else if (c == '?') {
        re.append("[^/]");
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return new ModelGlob(glob, Pattern.compile(re.toString()));
  }

  /** Whether {@code name} matches the whole pattern. */
  public boolean matches(String name) {
    return name != null && pattern.matcher(name).matches();
  }

  @Override
  public String toString() {
    return text;
  }
}
