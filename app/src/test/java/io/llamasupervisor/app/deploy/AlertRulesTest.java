package io.llamasupervisor.app.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The alert rules and their promtool unit test cover each other: every alert of {@code alerts.yml}
 * is expected to fire in {@code alerts.test.yml}, and the test names no other alert.
 */
class AlertRulesTest {
  @SuppressWarnings("unchecked")
  static Set<String> alertNames() {
    Set<String> names = new TreeSet<>();
    for (Object group : Yaml.list(Yaml.read("compose/prometheus/alerts.yml"), "groups")) {
      for (Object rule : Yaml.list((Map<String, Object>) group, "rules")) {
        names.add(String.valueOf(((Map<String, Object>) rule).get("alert")));
      }
    }
    return names;
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyAlertFiresInTheRulesUnitTest() {
    Set<String> alerts = alertNames();
    assertEquals(
        Set.of(
            "LlamaCacheHitRatioLow",
            "LlamaGatewayErrors",
            "LlamaKvCacheFull",
            "LlamaModelNotReady",
            "LlamaCrashLoop"),
        alerts);
    Set<String> fired = new TreeSet<>();
    Set<String> tested = new TreeSet<>();
    for (Object test : Yaml.list(Yaml.read("compose/prometheus/alerts.test.yml"), "tests")) {
      for (Object check : Yaml.list((Map<String, Object>) test, "alert_rule_test")) {
        Map<String, Object> c = (Map<String, Object>) check;
        String name = String.valueOf(c.get("alertname"));
        tested.add(name);
        if (!((List<Object>) c.getOrDefault("exp_alerts", List.of())).isEmpty()) {
          fired.add(name);
        }
      }
    }
    assertEquals(alerts, fired, "alerts the promtool test makes fire");
    assertEquals(alerts, tested, "alerts the promtool test names");
    assertFalse(fired.isEmpty());
  }
}
