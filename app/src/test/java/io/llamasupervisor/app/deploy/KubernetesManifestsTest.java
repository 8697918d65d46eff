package io.llamasupervisor.app.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.api.ApiSettings;
import io.llamasupervisor.cluster.ClusterSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The manifests in {@code deploy/kubernetes/} parse, and their names, ports, probes and arguments
 * match what the application listens on and accepts.
 */
class KubernetesManifestsTest {
  static final Path DIR = Path.of("..", "deploy", "kubernetes");
  static final int GATEWAY_PORT = 8080;
  static final String HEALTH = "/health";

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> load(String file) throws IOException {
    List<Map<String, Object>> docs = new ArrayList<>();
    try (InputStream in = Files.newInputStream(DIR.resolve(file))) {
      for (Object o : new Yaml().loadAll(in)) {
        docs.add((Map<String, Object>) o);
      }
    }
    return docs;
  }

  private static Map<String, Object> kind(List<Map<String, Object>> docs, String kind) {
    return docs.stream()
        .filter(d -> kind.equals(d.get("kind")))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind));
  }

  @SuppressWarnings("unchecked")
  static <T> T at(Object node, String... path) {
    Object o = node;
    for (String p : path) {
      if (o instanceof List<?> l) {
        o = l.get(Integer.parseInt(p));
      } else {
        o = ((Map<String, Object>) o).get(p);
      }
      if (o == null) {
        throw new AssertionError("missing " + String.join(".", path) + " at " + p);
      }
    }
    return (T) o;
  }

  private static Map<String, Integer> ports(Map<String, Object> container) {
    List<Map<String, Object>> ports = at(container, "ports");
    return ports.stream()
        .collect(
            Collectors.toMap(p -> (String) p.get("name"), p -> (Integer) p.get("containerPort")));
  }

  private static Map<String, String> args(Map<String, Object> container) {
    List<String> args = at(container, "args");
    assertEquals("serve", args.get(0));
    return args.subList(1, args.size()).stream()
        .map(a -> a.split("=", 2))
        .collect(Collectors.toMap(a -> a[0], a -> a.length > 1 ? a[1] : ""));
  }

  @Test
  void everyFileIsListedInTheKustomization() throws IOException {
    List<String> resources = at(load("kustomization.yaml").get(0), "resources");
    try (var files = Files.list(DIR)) {
      List<String> yaml =
          files
              .map(p -> p.getFileName().toString())
              .filter(f -> f.endsWith(".yaml") && !f.equals("kustomization.yaml"))
              .sorted()
              .toList();
      assertEquals(yaml, resources.stream().sorted().toList());
    }
  }

  @Test
  void theSupervisorDaemonSetListensAndIsProbedWhereTheAppDoes() throws IOException {
    Map<String, Object> ds = kind(load("supervisor-daemonset.yaml"), "DaemonSet");
    assertEquals("llama-supervisor", at(ds, "metadata", "name"));
    Map<String, Object> c = at(ds, "spec", "template", "spec", "containers", "0");
    Map<String, Integer> ports = ports(c);
    assertEquals(ApiSettings.DEFAULT_PORT, ports.get("api"));
    assertEquals(GATEWAY_PORT, ports.get("gateway"));
    for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
      assertEquals(HEALTH, at(c, probe, "httpGet", "path"), probe);
      assertEquals("api", at(c, probe, "httpGet", "port"), probe);
    }
    Map<String, String> args = args(c);
    assertEquals(Integer.toString(ApiSettings.DEFAULT_PORT), args.get("--port"));
    assertEquals(Integer.toString(GATEWAY_PORT), args.get("--gateway-port"));
    assertEquals("$(NODE_NAME)", args.get("--node-name"));
    assertEquals("$(POD_IP)", args.get("--advertise-host"));
    List<Map<String, Object>> env = at(c, "env");
    assertEquals(
        List.of("NODE_NAME", "POD_IP"), env.stream().map(e -> (String) e.get("name")).toList());

    // the node names and the models/state mounts
    List<Map<String, Object>> mounts = at(c, "volumeMounts");
    Map<String, String> mountPaths =
        mounts.stream()
            .collect(
                Collectors.toMap(m -> (String) m.get("name"), m -> (String) m.get("mountPath")));
    assertEquals(args.get("--models-dir"), mountPaths.get("models"));
    assertEquals(args.get("--state-dir"), mountPaths.get("state"));
    assertTrue(args.get("--config").startsWith(mountPaths.get("config") + "/"));
  }

  @Test
  void theClusterFlagNamesEveryEtcdMemberOnItsClientPort() throws IOException {
    List<Map<String, Object>> etcd = load("etcd.yaml");
    Map<String, Object> sts = kind(etcd, "StatefulSet");
    Map<String, Object> svc = kind(etcd, "Service");
    String service = at(sts, "spec", "serviceName");
    assertEquals(service, at(svc, "metadata", "name"));
    assertEquals("None", at(svc, "spec", "clusterIP"));
    int replicas = at(sts, "spec", "replicas");
    Map<String, Object> c = at(sts, "spec", "template", "spec", "containers", "0");
    int client = ports(c).get("client");
    assertEquals("/health", at(c, "readinessProbe", "httpGet", "path"));

    Map<String, Object> ds = kind(load("supervisor-daemonset.yaml"), "DaemonSet");
    String cluster = args(at(ds, "spec", "template", "spec", "containers", "0")).get("--cluster");
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < replicas; i++) {
      expected.add(
          "http://" + at(sts, "metadata", "name") + "-" + i + "." + service + ":" + client);
    }
    assertEquals(
        expected, ClusterSettings.parseEndpoints(cluster).stream().map(Object::toString).toList());
  }

  @Test
  void theGatewayServiceSelectsTheSupervisorsGatewayPort() throws IOException {
    Map<String, Object> svc = kind(load("gateway-service.yaml"), "Service");
    assertEquals("llama-gateway", at(svc, "metadata", "name"));
    Map<String, Object> ds = kind(load("supervisor-daemonset.yaml"), "DaemonSet");
    Map<String, Object> podLabels = at(ds, "spec", "template", "metadata", "labels");
    Map<String, Object> selector = at(svc, "spec", "selector");
    assertEquals(podLabels, selector);
    assertEquals("gateway", at(svc, "spec", "ports", "0", "targetPort"));
    int port = at(svc, "spec", "ports", "0", "port");
    assertEquals(GATEWAY_PORT, port);
  }
}
