/** Response caches for the gateway: exact and semantic, scoped per model, plan and conversation. */
package io.llamasupervisor.cache;
