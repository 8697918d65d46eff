package io.llamasupervisor.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.llamasupervisor.health.PrometheusText;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A {@code /metrics} body read with the project's reader, with lookups for assertions. */
final class Scraped {
  final String text;
  final List<PrometheusText.Family> families;

  Scraped(String text) {
    this.text = text;
    this.families = PrometheusText.parse(text);
  }

  /** The family named {@code name}; fails when absent. */
  PrometheusText.Family family(String name) {
    return families.stream()
        .filter(f -> f.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no family " + name + " in\n" + text));
  }

  /** The sample {@code name} whose labels include {@code labels} (name/value pairs). */
  Optional<PrometheusText.Sample> sample(String name, String... labels) {
    Map<String, String> wanted = new LinkedHashMap<>();
    for (int i = 0; i < labels.length; i += 2) {
      wanted.put(labels[i], labels[i + 1]);
    }
    return families.stream().flatMap(f -> f.find(name, wanted).stream()).findFirst();
  }

  /** The sum of every sample {@code name} whose labels include {@code labels}. */
  double total(String name, String... labels) {
    Map<String, String> wanted = new LinkedHashMap<>();
    for (int i = 0; i < labels.length; i += 2) {
      wanted.put(labels[i], labels[i + 1]);
    }
    return families.stream()
        .flatMap(f -> f.samples().stream())
        .filter(x -> x.name().equals(name))
        .filter(x -> x.labels().entrySet().containsAll(wanted.entrySet()))
        .mapToDouble(PrometheusText.Sample::number)
        .sum();
  }

  /** The value of that sample; fails when absent. */
  double value(String name, String... labels) {
    return sample(name, labels)
        .orElseThrow(
            () -> new AssertionError("no " + name + " " + List.of(labels) + " in\n" + text))
        .number();
  }

  void assertValue(double expected, String name, String... labels) {
    assertEquals(expected, value(name, labels), name + " " + List.of(labels));
  }

  void assertAbsent(String name, String... labels) {
    sample(name, labels).ifPresent(s -> fail("unexpected " + s + " in\n" + text));
  }
}
