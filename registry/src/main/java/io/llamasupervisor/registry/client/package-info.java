/**
 * A plain-JDK client of the routing registry's HTTP API: {@link
 * io.llamasupervisor.registry.client.RegistryClient#routes()} and {@link
 * io.llamasupervisor.registry.client.RegistryClient#watch}.
 */
package io.llamasupervisor.registry.client;
