/**
 * {@code llama-supervisor bench swap}: a load tool that checks a model swap is free of downtime.
 * Clients follow the routing table through blocking watches and send completions and streams to the
 * READY backends while the tool restarts the model several times; the report counts failures by
 * kind and the requests that reached a generation after it was switched to DRAINING.
 */
package io.llamasupervisor.bench;
