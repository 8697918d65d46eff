package io.llamasupervisor.registry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The routing table as a LiteLLM proxy {@code model_list}: one entry per READY backend, named by
 * the model id, pointing at the backend's OpenAI-compatible API. Several READY backends of one
 * model give several entries with the same {@code model_name}, which LiteLLM load-balances.
 * STARTING and DRAINING backends are left out.
 *
 * <pre>
 * {"model_name": "qwen", "litellm_params":
 *     {"model": "openai/qwen", "api_base": "http://127.0.0.1:8081/v1", "api_key": "none"}}
 * </pre>
 *
 * The maps keep this key order and serialize as is with any JSON library.
 */
public final class LiteLlmExport {
  private LiteLlmExport() {}

  /** The {@code model_list} entries, models by id, backends by generation. */
  public static List<Map<String, Object>> modelList(RoutingTable table) {
    List<Map<String, Object>> entries = new ArrayList<>();
    for (ModelRoute model : table.models()) {
      for (BackendRoute backend : model.readyBackends()) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("model", "openai/" + model.id());
        params.put("api_base", backend.url() + "/v1");
        params.put("api_key", "none");
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("model_name", model.id());
        entry.put("litellm_params", params);
        entries.add(entry);
      }
    }
    return entries;
  }

  /** A LiteLLM config document: {@code {"model_list": [...]}} (JSON is also valid YAML). */
  public static Map<String, Object> config(RoutingTable table) {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("model_list", modelList(table));
    return config;
  }

  /** The config as a YAML {@code config.yaml} for {@code litellm --config}. */
  public static String toYaml(RoutingTable table) {
    List<Map<String, Object>> entries = modelList(table);
    if (entries.isEmpty()) {
      return "model_list: []\n";
    }
    StringBuilder yaml = new StringBuilder("model_list:\n");
    for (Map<String, Object> entry : entries) {
      yaml.append("  - model_name: ").append(quote(entry.get("model_name"))).append('\n');
      yaml.append("    litellm_params:\n");
      Map<?, ?> params = (Map<?, ?>) entry.get("litellm_params");
      params.forEach(
          (k, v) -> yaml.append("      ").append(k).append(": ").append(quote(v)).append('\n'));
    }
    return yaml.toString();
  }

  /** A YAML double-quoted scalar (JSON string syntax is a subset of it). */
  private static String quote(Object value) {
    return RoutingJson.toJson(String.valueOf(value));
  }
}
