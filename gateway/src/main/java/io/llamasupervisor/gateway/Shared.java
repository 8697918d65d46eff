package io.llamasupervisor.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasupervisor.cache.ResponseCache;
import io.llamasupervisor.gateway.conversation.Conversations;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * What every connection of one gateway shares; {@code cache} is null when no response cache is
 * configured, {@code cacheLookups} runs its (blocking) lookups off the event loops; {@code
 * metricsPage} renders {@code GET /metrics} (empty: the gateway has no such page); {@code
 * conversations} is null when the gateway keeps none.
 */
record Shared(
    GatewayOptions options,
    Dispatcher dispatcher,
    KeyPolicy keys,
    UpstreamPool pool,
    GatewayMetrics metrics,
    ObjectMapper json,
    ResponseCache cache,
    Executor cacheLookups,
    Conversations conversations,
    AtomicReference<Supplier<String>> metricsPage) {}
