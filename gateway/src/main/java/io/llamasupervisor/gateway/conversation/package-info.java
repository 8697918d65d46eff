/**
 * Stateful conversations on top of llama-server's stateless {@code /v1/responses}: responses kept
 * under their id ({@code store}), history prepended for {@code previous_response_id}, the context
 * check, and the backend that served the previous turn. Plain Java: the Netty edge feeds it bytes.
 */
package io.llamasupervisor.gateway.conversation;
