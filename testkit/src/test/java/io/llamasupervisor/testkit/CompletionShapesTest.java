package io.llamasupervisor.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.testkit.CompletionShapes.Job;
import io.llamasupervisor.testkit.CompletionShapes.Kind;
import io.llamasupervisor.testkit.CompletionShapes.Result;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Response shapes have the real server's keys in the real order (captures from b10470). */
class CompletionShapesTest {
  private final CompletionShapes shapes = new CompletionShapes("tiny-alias");
  private final Result result =
      new Result(
          1,
          "chatcmpl-x",
          1795304084L,
          " in in",
          2,
          false,
          CompletionShapes.timings(4, 0.5, 2, 0.3));

  private static Job job(Kind kind, boolean stream, boolean usage) {
    return new Job(kind, Map.of(), stream, usage, 2, 4, "Hello");
  }

  /** Keys of every object, depth first, as "path.key". */
  private static List<String> keys(Object json) {
    List<String> out = new ArrayList<>();
    walk("", json, out);
    return out;
  }

  private static void walk(String path, Object v, List<String> out) {
    if (v instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (path.endsWith("generation_settings")) {
          continue;
        }
        out.add(path + "." + e.getKey());
        walk(path + "." + e.getKey(), e.getValue(), out);
      }
    } else if (v instanceof List<?> l && !l.isEmpty()) {
      walk(path + "[]", l.get(0), out);
    }
  }

  private static Object data(String event) {
    assertTrue(event.startsWith("data: ") && event.endsWith("\n\n"), event);
    return ServerJson.parse(event.substring(6).trim());
  }

  @Test
  void chatCompletion() {
    String real =
        "{\"choices\":[{\"finish_reason\":\"length\",\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\" in\"}}],\"created\":1795304084,\"model\":\"tiny-alias\",\"system_fingerprint\":\"b10470-34af94cd\",\"object\":\"chat.completion\",\"usage\":{\"completion_tokens\":6,\"prompt_tokens\":37,\"total_tokens\":43,\"prompt_tokens_details\":{\"cached_tokens\":0}},\"id\":\"chatcmpl-r\",\"timings\":{\"cache_n\":0,\"prompt_n\":37,\"prompt_ms\":4.324,\"prompt_per_token_ms\":0.1168,\"prompt_per_second\":8556.8,\"predicted_n\":6,\"predicted_ms\":0.618,\"predicted_per_token_ms\":0.1236,\"predicted_per_second\":8090.6}}";
    assertEquals(
        keys(ServerJson.parse(real)), keys(shapes.body(job(Kind.CHAT, false, false), result)));
  }

  @Test
  void chatStreamEventsAndChunks() {
    String realToken =
        "{\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":\" in\"}}],\"created\":1795304084,\"id\":\"chatcmpl-p\",\"model\":\"tiny-alias\",\"system_fingerprint\":\"b10470-34af94cd\",\"object\":\"chat.completion.chunk\"}";
    String first = shapes.tokenEvents(job(Kind.CHAT, true, false), 0, " in", 297, "chatcmpl-x", 1);
    String[] events = first.split("(?<=\n\n)");
    assertEquals(2, events.length, "role event and first token share a chunk");
    assertEquals(
        "assistant",
        ((Map<?, ?>)
                ((Map<?, ?>) ((List<?>) ((Map<?, ?>) data(events[0])).get("choices")).get(0))
                    .get("delta"))
            .get("role"));
    assertEquals(keys(ServerJson.parse(realToken)), keys(data(events[1])));
    List<String> end = shapes.finalChunks(job(Kind.CHAT, true, false), result);
    assertEquals(2, end.size());
    assertEquals("data: [DONE]\n\n", end.get(1));
    List<String> withUsage = shapes.finalChunks(job(Kind.CHAT, true, true), result);
    String[] usageEvents = withUsage.get(0).split("(?<=\n\n)");
    assertEquals(2, usageEvents.length, "finish and usage events share a chunk");
    String realUsage =
        "{\"choices\":[],\"created\":1795304084,\"id\":\"chatcmpl-4\",\"model\":\"tiny-alias\",\"system_fingerprint\":\"b10470-34af94cd\",\"object\":\"chat.completion.chunk\",\"usage\":{\"completion_tokens\":3,\"prompt_tokens\":37,\"total_tokens\":40,\"prompt_tokens_details\":{\"cached_tokens\":36}},\"timings\":{\"cache_n\":36,\"prompt_n\":1,\"prompt_ms\":0.365,\"prompt_per_token_ms\":0.365,\"prompt_per_second\":2739.7,\"predicted_n\":3,\"predicted_ms\":0.389,\"predicted_per_token_ms\":0.1945,\"predicted_per_second\":5141.3}}";
    assertEquals(keys(ServerJson.parse(realUsage)), keys(data(usageEvents[1])));
  }

  @Test
  void textCompletion() {
    String realFinal =
        "{\"choices\":[{\"text\":\"\",\"index\":0,\"logprobs\":null,\"finish_reason\":\"length\"}],\"created\":1795304084,\"model\":\"tiny-alias\",\"system_fingerprint\":\"b10470-34af94cd\",\"object\":\"text_completion\",\"usage\":{\"completion_tokens\":3,\"prompt_tokens\":4,\"total_tokens\":7,\"prompt_tokens_details\":{\"cached_tokens\":3}},\"id\":\"chatcmpl-e\",\"timings\":{\"cache_n\":3,\"prompt_n\":1,\"prompt_ms\":0.327,\"prompt_per_token_ms\":0.327,\"prompt_per_second\":3058.1,\"predicted_n\":3,\"predicted_ms\":0.345,\"predicted_per_token_ms\":0.1725,\"predicted_per_second\":5797.1}}";
    List<String> end = shapes.finalChunks(job(Kind.TEXT, true, false), result);
    assertEquals(keys(ServerJson.parse(realFinal)), keys(data(end.get(0))));
    assertEquals("data: [DONE]\n\n", end.get(1));
    String realToken =
        "{\"choices\":[{\"text\":\"er\",\"index\":0,\"logprobs\":null,\"finish_reason\":null}],\"created\":1795304084,\"model\":\"tiny-alias\",\"system_fingerprint\":\"b10470-34af94cd\",\"object\":\"text_completion\",\"id\":\"chatcmpl-e\"}";
    assertEquals(
        keys(ServerJson.parse(realToken)),
        keys(data(shapes.tokenEvents(job(Kind.TEXT, true, false), 0, "er", 261, "chatcmpl-x", 1))));
  }

  @Test
  void nativeCompletion() {
    String realToken =
        "{\"index\":0,\"content\":\"er\",\"tokens\":[261],\"stop\":false,\"id_slot\":-1,\"tokens_predicted\":1,\"tokens_evaluated\":4}";
    assertEquals(
        realToken,
        ServerJson.write(
            data(shapes.tokenEvents(job(Kind.NATIVE, true, false), 0, "er", 261, "x", 1))));
    List<String> end = shapes.finalChunks(job(Kind.NATIVE, true, false), result);
    assertEquals(1, end.size(), "no [DONE] on the native endpoint");
    Map<?, ?> fin = (Map<?, ?>) data(end.get(0));
    assertEquals(
        List.of(
            "index",
            "content",
            "tokens",
            "id_slot",
            "stop",
            "model",
            "tokens_predicted",
            "tokens_evaluated",
            "generation_settings",
            "prompt",
            "has_new_line",
            "truncated",
            "stop_type",
            "stopping_word",
            "tokens_cached",
            "timings"),
        List.copyOf(fin.keySet()));
    assertEquals("<s> Hello", fin.get("prompt"));
    assertEquals(
        List.copyOf(Templates.generationSettings().keySet()),
        List.copyOf(((Map<?, ?>) fin.get("generation_settings")).keySet()));
  }
}
