package io.llamasupervisor.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasupervisor.json.JsonMappers;
import io.llamasupervisor.registry.ModelRoute;
import io.llamasupervisor.registry.RoutingJson;
import io.llamasupervisor.registry.RoutingTable;
import java.io.IOException;
import java.util.List;

/**
 * The values stored in etcd. A model entry is a one-model {@link RoutingTable} in the registry's
 * own JSON ({@link RoutingJson}), whose epoch and version are the publishing node's local table's,
 * so an entry says which local version it came from and reads back with the same rules as the HTTP
 * API.
 */
final class EntryCodec {
  private static final ObjectMapper INFO = JsonMappers.mapper();

  private EntryCodec() {}

  static byte[] model(RoutingTable local, ModelRoute advertised) {
    return RoutingJson.toBytes(
        new RoutingTable(local.epoch(), local.version(), List.of(advertised)));
  }

  /**
   * The model of an entry.
   *
   * @throws IOException when the value is not a one-model table
   */
  static ModelRoute readModel(byte[] value) throws IOException {
    RoutingTable t = RoutingJson.readTable(value);
    if (t.models().size() != 1) {
      throw new IOException("expected one model, found " + t.models().size());
    }
    return t.models().get(0);
  }

  static byte[] info(NodeInfo info) {
    try {
      return INFO.writeValueAsBytes(info);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write node info", e);
    }
  }

  static NodeInfo readInfo(byte[] value) throws IOException {
    return INFO.readValue(value, NodeInfo.class);
  }
}
