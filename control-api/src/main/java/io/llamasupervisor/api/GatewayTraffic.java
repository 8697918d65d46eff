package io.llamasupervisor.api;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Per-model traffic from the gateway's Prometheus series ({@code llama_gateway_*}), as rates
 * between two scrapes: requests per second, mean time to first token, mean tokens per second of the
 * requests that ended in between, in flight and queued now. Pure: text in, numbers out.
 */
final class GatewayTraffic {
  static final String PREFIX = "llama_gateway_";
  static final String REQUESTS = "llama_gateway_requests_total";
  static final String IN_FLIGHT = "llama_gateway_in_flight";
  static final String QUEUE = "llama_gateway_queue_depth";
  static final String TTFT = "llama_gateway_time_to_first_token_seconds";
  static final String TOKENS_PER_SECOND = "llama_gateway_tokens_per_second";

  private GatewayTraffic() {}

  /** Cumulative figures of one model at one scrape. */
  record Totals(
      double requests,
      double ttftSum,
      double ttftCount,
      double tpsSum,
      double tpsCount,
      double inFlight,
      double queued) {
    static final Totals ZERO = new Totals(0, 0, 0, 0, 0, 0, 0);
  }

  /** One scrape: whether the gateway reported anything, and the totals per model. */
  record Scrape(Instant at, boolean gateway, Map<String, Totals> models) {}

  /**
   * One point of a model's sparklines.
   *
   * @param ttftSeconds null when no request got its first token in the interval
   * @param tokensPerSecond null when no request ended in the interval
   */
  record Point(
      double requestsPerSecond,
      Double ttftSeconds,
      Double tokensPerSecond,
      double inFlight,
      double queued) {}

  /** Reads the gateway's series of Prometheus text. */
  static Scrape parse(String text, Instant at) {
    Map<String, double[]> byModel = new TreeMap<>();
    boolean any = false;
    for (String line : text.split("\n")) {
      if (!line.startsWith(PREFIX)) {
        continue;
      }
      any = true;
      int brace = line.indexOf('{');
      int space = line.lastIndexOf(' ', line.length() - 1);
      int end = line.indexOf('}');
      if (brace < 0 || end < 0 || space < end) {
        continue;
      }
      String name = line.substring(0, brace);
      String model = label(line.substring(brace + 1, end), "model");
      double value;
      try {
        String rest = line.substring(end + 1).strip();
        int sp = rest.indexOf(' ');
        value = Double.parseDouble(sp < 0 ? rest : rest.substring(0, sp));
      } catch (NumberFormatException e) {
        continue;
      }
      if (model == null || Double.isNaN(value)) {
        continue;
      }
      double[] t = byModel.computeIfAbsent(model, k -> new double[7]);
      switch (name) {
        case REQUESTS -> t[0] += value;
        case TTFT + "_sum" -> t[1] += value;
        case TTFT + "_count" -> t[2] += value;
        case TOKENS_PER_SECOND + "_sum" -> t[3] += value;
        case TOKENS_PER_SECOND + "_count" -> t[4] += value;
        case IN_FLIGHT -> t[5] += value;
        case QUEUE -> t[6] += value;
        default -> {}
      }
    }
    Map<String, Totals> models = new LinkedHashMap<>();
    byModel.forEach((m, t) -> models.put(m, new Totals(t[0], t[1], t[2], t[3], t[4], t[5], t[6])));
    return new Scrape(at, any, models);
  }

  /** The points of every model in {@code now}, against {@code before} (null: rates of 0). */
  static Map<String, Point> points(Scrape before, Scrape now) {
    Map<String, Point> out = new LinkedHashMap<>();
    double seconds =
        before == null ? 0 : Duration.between(before.at(), now.at()).toMillis() / 1000.0;
    now.models()
        .forEach(
            (model, t) -> {
              Totals b = before == null ? t : before.models().getOrDefault(model, Totals.ZERO);
              double requests = Math.max(0, t.requests() - b.requests());
              double ttftCount = t.ttftCount() - b.ttftCount();
              double tpsCount = t.tpsCount() - b.tpsCount();
              out.put(
                  model,
                  new Point(
                      seconds > 0 ? requests / seconds : 0,
                      ttftCount > 0 ? (t.ttftSum() - b.ttftSum()) / ttftCount : null,
                      tpsCount > 0 ? (t.tpsSum() - b.tpsSum()) / tpsCount : null,
                      t.inFlight(),
                      t.queued()));
            });
    return out;
  }

  /** The value of label {@code name} in {@code a="x",b="y"}, unescaped; null when absent. */
  static String label(String labels, String name) {
    int i = 0;
    while (i < labels.length()) {
      int eq = labels.indexOf('=', i);
      if (eq < 0 || eq + 1 >= labels.length() || labels.charAt(eq + 1) != '"') {
        return null;
      }
      String key = labels.substring(i, eq).strip();
      StringBuilder v = new StringBuilder();
      int j = eq + 2;
      for (; j < labels.length() && labels.charAt(j) != '"'; j++) {
        char c = labels.charAt(j);
        if (c == '\\' && j + 1 < labels.length()) {
          char n = labels.charAt(++j);
          v.append(n == 'n' ? '\n' : n);
        } else {
          v.append(c);
        }
      }
      if (key.equals(name)) {
        return v.toString();
      }
      i = j + 1;
      if (i < labels.length() && labels.charAt(i) == ',') {
        i++;
      }
    }
    return null;
  }
}
