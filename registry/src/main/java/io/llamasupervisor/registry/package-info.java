/**
 * The routing registry: an immutable, versioned {@link io.llamasupervisor.registry.RoutingTable} of
 * models and their llama-server backends, held by {@link
 * io.llamasupervisor.registry.RoutingRegistry}, which answers Consul-style blocking queries and
 * feeds subscribers. {@link io.llamasupervisor.registry.RegistryApi} states the HTTP contract,
 * {@link io.llamasupervisor.registry.WaitParam} parses its {@code wait} parameter, and {@link
 * io.llamasupervisor.registry.LiteLlmExport} renders the table for a LiteLLM proxy. Plain Java: the
 * records serialize with Jackson as they are.
 */
package io.llamasupervisor.registry;
