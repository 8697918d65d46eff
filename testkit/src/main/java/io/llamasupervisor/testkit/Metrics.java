package io.llamasupervisor.testkit;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * The 15 {@code llamacpp:*} series of {@code /metrics}, in the real server's order, names, help
 * texts and number format (C++ stream default: 6 significant digits).
 */
final class Metrics {
  private long promptTokens;
  private double promptSeconds;
  private long predictedTokens;
  private double predictedSeconds;
  private long decodes;
  private long tokensMax;
  private double busySlotsSum;

  /** Records a finished (or cancelled) task. */
  synchronized void record(
      int prompt, double promptSec, int predicted, double predictedSec, int busySlots) {
    promptTokens += prompt;
    promptSeconds += promptSec;
    predictedTokens += predicted;
    predictedSeconds += predictedSec;
    int calls = predicted + 1;
    decodes += calls;
    busySlotsSum += (double) busySlots * calls;
    tokensMax = Math.max(tokensMax, prompt + predicted);
  }

  synchronized String render(int processing, int deferred) {
    StringBuilder sb = new StringBuilder(2600);
    counter(
        sb,
        "prompt_tokens_total",
        "Number of prompt tokens processed, excluding cached tokens",
        promptTokens);
    counter(sb, "prompt_tokens_cached_total", "Number of prompt tokens reused from the cache", 0);
    counter(sb, "prompt_seconds_total", "Total time spent processing prompts", promptSeconds);
    counter(sb, "tokens_predicted_total", "Number of generation tokens processed", predictedTokens);
    counter(
        sb,
        "tokens_predicted_seconds_total",
        "Total time spent generating tokens",
        predictedSeconds);
    counter(
        sb,
        "n_decode_total",
        "Total number of llama_decode() calls, excluding speculative decoding and multimodal"
            + " decoding",
        decodes);
    counter(
        sb, "n_tokens_max", "Largest observed sequence length (prompt + generation)", tokensMax);
    counter(
        sb, "spec_decode_num_draft_tokens_total", "Speculative: Total draft tokens generated", 0);
    counter(
        sb,
        "spec_decode_num_accepted_tokens_total",
        "Speculative: Total draft tokens accepted by the target model",
        0);
    counter(
        sb,
        "spec_decode_num_drafts_total",
        "Speculative: Total speculative decoding verification steps",
        0);
    gauge(
        sb,
        "prompt_tokens_seconds",
        "Average prompt throughput in tokens/s",
        promptSeconds > 0 ? promptTokens / promptSeconds : 0);
    gauge(
        sb,
        "predicted_tokens_seconds",
        "Average generation throughput in tokens/s",
        predictedSeconds > 0 ? predictedTokens / predictedSeconds : 0);
    gauge(sb, "requests_processing", "Number of requests processing", processing);
    gauge(sb, "requests_deferred", "Number of requests deferred", deferred);
    gauge(
        sb,
        "n_busy_slots_per_decode",
        "Average number of busy slots per llama_decode() call",
        decodes > 0 ? busySlotsSum / decodes : 0);
    return sb.toString();
  }

  private static void counter(StringBuilder sb, String name, String help, double value) {
    series(sb, name, help, "counter", value);
  }

  private static void gauge(StringBuilder sb, String name, String help, double value) {
    series(sb, name, help, "gauge", value);
  }

  private static void series(StringBuilder sb, String name, String help, String type, double v) {
    sb.append("# HELP llamacpp:").append(name).append(' ').append(help).append('\n');
    sb.append("# TYPE llamacpp:").append(name).append(' ').append(type).append('\n');
    sb.append("llamacpp:").append(name).append(' ').append(number(v)).append('\n');
  }

  /** C++ {@code operator<<(double)}: %g with 6 significant digits, trailing zeros dropped. */
  static String number(double v) {
    if (v == 0) {
      return "0";
    }
    BigDecimal d = new BigDecimal(v).round(new MathContext(6)).stripTrailingZeros();
    int exponent = d.precision() - d.scale() - 1;
    if (exponent < -5 || exponent >= 6) {
      String mantissa = d.movePointLeft(exponent).toPlainString();
      return mantissa + (exponent < 0 ? "e-" : "e+") + String.format("%02d", Math.abs(exponent));
    }
    return d.toPlainString();
  }
}
