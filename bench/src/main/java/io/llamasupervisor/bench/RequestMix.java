package io.llamasupervisor.bench;

import java.time.Duration;
import java.util.Random;

/**
 * Chooses each request: with {@code streamOnly} always an event stream, otherwise a stream or a
 * short completion with equal odds. A stream asks for as many tokens as last a duration drawn
 * uniformly from {@code [streamMin, streamMax]} at the measured token pace.
 *
 * @param model the model name put in request bodies
 * @param streamOnly send only streams
 * @param shortTokens tokens of a short completion
 * @param streamMin shortest stream
 * @param streamMax longest stream
 * @param tokenPaceMs generation time per token, in milliseconds
 */
record RequestMix(
    String model,
    boolean streamOnly,
    int shortTokens,
    Duration streamMin,
    Duration streamMax,
    double tokenPaceMs) {

  RequestMix {
    if (shortTokens < 1) {
      throw new IllegalArgumentException("short completions need at least 1 token");
    }
    if (streamMin.compareTo(streamMax) > 0) {
      throw new IllegalArgumentException(
          "shortest stream " + streamMin + " is longer than the longest " + streamMax);
    }
    if (!(tokenPaceMs > 0)) {
      throw new IllegalArgumentException("token pace must be positive, was " + tokenPaceMs);
    }
  }

  /** The next request, drawing from {@code random}. */
  BenchRequest next(Random random) {
    if (!streamOnly && random.nextBoolean()) {
      return BenchRequest.chat(model, false, shortTokens);
    }
    long span = streamMax.toMillis() - streamMin.toMillis();
    long ms = streamMin.toMillis() + (span == 0 ? 0 : (long) (random.nextDouble() * (span + 1)));
    return BenchRequest.chat(model, true, tokensFor(ms));
  }

  /** Tokens of the shortest stream. */
  int minStreamTokens() {
    return tokensFor(streamMin.toMillis());
  }

  /** Tokens of the longest stream. */
  int maxStreamTokens() {
    return tokensFor(streamMax.toMillis());
  }

  private int tokensFor(long millis) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, Math.round(millis / tokenPaceMs)));
  }
}
