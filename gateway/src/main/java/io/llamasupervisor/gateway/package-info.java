/**
 * The gateway: one OpenAI-compatible HTTP endpoint in front of the fleet.
 *
 * <p>Every decision (which backend, queue or reject, retry or not, which key may call which model)
 * is made by plain-Java classes that take a {@link java.time.Clock} and a {@link
 * io.llamasupervisor.registry.DelayScheduler} and are tested without sockets: {@link
 * io.llamasupervisor.gateway.Dispatcher}, {@link io.llamasupervisor.gateway.KeyPolicy}, {@link
 * io.llamasupervisor.gateway.ModelField}. {@link io.llamasupervisor.gateway.GatewayServer} is the
 * Netty data path around them: requests decoded by Netty, responses relayed as the backend sent
 * them ({@code ResponseParser}, {@code ResponseHeadWriter}).
 */
package io.llamasupervisor.gateway;
