package io.llamasupervisor.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasupervisor.json.JsonMappers;
import java.io.IOException;
import java.util.OptionalDouble;

/**
 * The share of an instance's KV cache that running tasks occupy, from its {@code GET /slots} body
 * (llama-server b10470 exports no KV cache metric). Each slot reports its context {@code n_ctx}; a
 * slot with {@code is_processing: true} holds {@code n_prompt_tokens} plus {@code
 * next_token[0].n_decoded} cells of it (at most {@code n_ctx}). The ratio is the cells held by
 * running tasks over the cells of every slot: 0 for an idle instance (what idle slots keep is a
 * prompt cache that the next task may reuse or overwrite), close to 1 when every slot runs a task
 * at the end of its context. Pure: text in, number out.
 */
final class KvUsage {
  private static final ObjectMapper JSON = JsonMappers.mapper();

  private KvUsage() {}

  /** The ratio in [0, 1]; empty when {@code slotsJson} is not a list of slots with a context. */
  static OptionalDouble ratio(String slotsJson) {
    JsonNode slots;
    try {
      slots = JSON.readTree(slotsJson);
    } catch (IOException e) {
      return OptionalDouble.empty();
    }
    if (slots == null || !slots.isArray() || slots.isEmpty()) {
      return OptionalDouble.empty();
    }
    long cells = 0;
    long held = 0;
    for (JsonNode slot : slots) {
      long ctx = slot.path("n_ctx").asLong(0);
      if (ctx <= 0) {
        return OptionalDouble.empty();
      }
      cells += ctx;
      if (slot.path("is_processing").asBoolean(false)) {
        long tokens =
            slot.path("n_prompt_tokens").asLong(0)
                + slot.path("next_token").path(0).path("n_decoded").asLong(0);
        held += Math.min(ctx, Math.max(0, tokens));
      }
    }
    return OptionalDouble.of((double) held / cells);
  }
}
