package io.llamasupervisor.gateway.conversation;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The conversation meters (Prometheus names): {@code llama_gateway_conversations} and {@code
 * llama_gateway_conversation_bytes} (the store now), {@code
 * llama_gateway_conversation_lookups_total{result=hit|miss}} ({@code previous_response_id} found or
 * not) and {@code llama_gateway_conversation_affinity_hits_total} (a turn served by the backend
 * that served the previous one).
 */
public final class ConversationMetrics {
  private final Counter hits;
  private final Counter misses;
  private final Counter affinityHits;

  public ConversationMetrics(MeterRegistry meters, ConversationStore store) {
    Gauge.builder("llama.gateway.conversations", store, s -> s.count())
        .description("Responses stored for previous_response_id")
        .register(meters);
    Gauge.builder("llama.gateway.conversation.bytes", store, s -> s.bytes())
        .description("Bytes of the stored responses")
        .register(meters);
    hits = lookups(meters, "hit");
    misses = lookups(meters, "miss");
    affinityHits =
        Counter.builder("llama.gateway.conversation.affinity.hits")
            .description("Turns served by the backend that served the previous turn")
            .register(meters);
  }

  private static Counter lookups(MeterRegistry meters, String result) {
    return Counter.builder("llama.gateway.conversation.lookups")
        .description("Lookups of previous_response_id by result")
        .tag("result", result)
        .register(meters);
  }

  void lookup(boolean found) {
    (found ? hits : misses).increment();
  }

  void affinityHit() {
    affinityHits.increment();
  }
}
