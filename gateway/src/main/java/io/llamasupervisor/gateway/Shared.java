package io.llamasupervisor.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;

/** What every connection of one gateway shares. */
record Shared(
    GatewayOptions options,
    Dispatcher dispatcher,
    KeyPolicy keys,
    UpstreamPool pool,
    GatewayMetrics metrics,
    ObjectMapper json) {}
