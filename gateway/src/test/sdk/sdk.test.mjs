// The official OpenAI and Anthropic SDKs against the gateway, unchanged (run by GatewaySdkIT).
// Environment: GATEWAY (the gateway's base URL), BUSY_GATEWAY (a gateway whose only slot is taken
// and whose queue holds nothing), BACKEND (the fake llama-server behind both, for /slots).
// Prints "[sdk-test] ok NAME" per check and "[sdk-test] PASS" at the end; exits 1 on a failure.
import assert from "node:assert/strict";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";

const GATEWAY = process.env.GATEWAY;
const BUSY_GATEWAY = process.env.BUSY_GATEWAY;
const BACKEND = process.env.BACKEND;
const MODEL = "sdk-model";
const messages = [{ role: "user", content: "Hello" }];

const openai = new OpenAI({ baseURL: `${GATEWAY}/v1`, apiKey: "unused", maxRetries: 0 });
const anthropic = new Anthropic({ baseURL: GATEWAY, apiKey: "unused", maxRetries: 0 });

function ok(name) {
  console.log(`[sdk-test] ok ${name}`);
}

async function rejects(promise, check) {
  try {
    await promise;
  } catch (e) {
    check(e);
    return e;
  }
  assert.fail("expected an error");
}

/** Waits until no slot of the backend is processing; returns the milliseconds it took. */
async function slotsIdleWithin(ms) {
  const start = Date.now();
  while (Date.now() - start < ms) {
    const slots = await (await fetch(`${BACKEND}/slots`)).json();
    if (slots.every((s) => !s.is_processing)) {
      return Date.now() - start;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`a slot was still processing ${ms} ms after the client left`);
}

async function slotBusy() {
  for (let i = 0; i < 100; i++) {
    const slots = await (await fetch(`${BACKEND}/slots`)).json();
    if (slots.some((s) => s.is_processing)) {
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail("the backend never started the request");
}

// --- OpenAI ---
{
  const r = await openai.chat.completions.create({ model: MODEL, messages, max_tokens: 5 });
  assert.equal(r.object, "chat.completion");
  assert.ok(r.choices[0].message.content.length > 0);
  assert.equal(r.usage.completion_tokens, 5);
  ok("openai chat completion");
}
{
  const { data, response } = await openai.chat.completions
    .create({ model: MODEL, messages, max_tokens: 5 })
    .withResponse();
  assert.equal(data.choices.length, 1);
  assert.ok(response.headers.get("x-backend-generation"));
  assert.match(response.headers.get("server-timing"), /queue;dur=.*upstream;dur=/);
  ok("openai response headers");
}
{
  const stream = await openai.chat.completions.create({
    model: MODEL,
    messages,
    max_tokens: 8,
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = "";
  let chunks = 0;
  let usage = null;
  for await (const chunk of stream) {
    chunks++;
    text += chunk.choices[0]?.delta?.content ?? "";
    usage = chunk.usage ?? usage;
  }
  assert.ok(chunks >= 8, `only ${chunks} chunks`);
  assert.ok(text.length > 0);
  assert.equal(usage.completion_tokens, 8);
  ok("openai chat stream");
}
{
  const r = await openai.completions.create({ model: MODEL, prompt: "Once", max_tokens: 4 });
  assert.equal(r.object, "text_completion");
  ok("openai text completion");
}
{
  const list = await openai.models.list();
  const ids = list.data.map((m) => m.id);
  assert.ok(ids.includes(MODEL), JSON.stringify(ids));
  const one = await openai.models.retrieve(MODEL);
  assert.equal(one.id, MODEL);
  ok("openai models");
}
{
  const e = await rejects(
    openai.chat.completions.create({ model: "no-such-model", messages }),
    (e) => assert.ok(e instanceof OpenAI.NotFoundError, String(e)),
  );
  assert.equal(e.status, 404);
  assert.equal(e.code, "model_not_found");
  assert.equal(e.type, "invalid_request_error");
  ok("openai 404 model_not_found");
}
{
  const e = await rejects(
    openai.chat.completions.create({ model: "stopped-model", messages }),
    (e) => assert.ok(e instanceof OpenAI.InternalServerError, String(e)),
  );
  assert.equal(e.status, 503);
  assert.equal(e.code, "OPERATOR_STOP");
  ok("openai 503 stopped model");
}
{
  // the busy gateway's only slot is taken by a long stream; its queue holds nothing
  const busy = new OpenAI({ baseURL: `${BUSY_GATEWAY}/v1`, apiKey: "unused", maxRetries: 0 });
  const holder = new AbortController();
  const long = await busy.chat.completions.create(
    { model: MODEL, messages, max_tokens: 400, stream: true },
    { signal: holder.signal },
  );
  const it = long[Symbol.asyncIterator]();
  await it.next();
  const e = await rejects(
    busy.chat.completions.create({ model: MODEL, messages, max_tokens: 2 }),
    (e) => assert.ok(e instanceof OpenAI.RateLimitError, String(e)),
  );
  assert.equal(e.status, 429);
  assert.equal(e.code, "queue_full");
  assert.ok(Number(e.headers.get("retry-after")) >= 1);
  holder.abort();
  await slotsIdleWithin(2000);
  ok("openai 429 queue_full with Retry-After");
}
{
  const controller = new AbortController();
  const stream = await openai.chat.completions.create(
    { model: MODEL, messages, max_tokens: 400, stream: true },
    { signal: controller.signal },
  );
  let seen = 0;
  try {
    for await (const chunk of stream) {
      if (++seen === 3) {
        controller.abort(); // the SDK ends the iteration (or throws its abort error)
      }
    }
  } catch (e) {
    assert.ok(e instanceof OpenAI.APIUserAbortError || e.name === "AbortError", String(e));
  }
  assert.ok(seen < 400, "the stream ran to its end");
  const ms = await slotsIdleWithin(2000);
  ok(`openai stream abort frees the slot (${ms} ms)`);
}
{
  const controller = new AbortController();
  const pending = openai.chat.completions.create(
    { model: MODEL, messages, max_tokens: 400 },
    { signal: controller.signal },
  );
  await slotBusy();
  controller.abort();
  await rejects(pending, (e) => assert.ok(e instanceof OpenAI.APIUserAbortError, String(e)));
  const ms = await slotsIdleWithin(2000);
  ok(`openai non-streaming abort frees the slot (${ms} ms)`);
}

// --- Anthropic ---
{
  const m = await anthropic.messages.create({
    model: MODEL,
    max_tokens: 6,
    system: "Be brief.",
    messages,
  });
  assert.equal(m.type, "message");
  assert.equal(m.role, "assistant");
  assert.equal(m.content[0].type, "text");
  assert.equal(m.usage.output_tokens, 6);
  assert.equal(m.stop_reason, "max_tokens");
  ok("anthropic message");
}
{
  const stream = anthropic.messages.stream({ model: MODEL, max_tokens: 8, messages });
  let text = "";
  stream.on("text", (t) => (text += t));
  const final = await stream.finalMessage();
  assert.ok(text.length > 0);
  assert.equal(final.content[0].text, text);
  assert.equal(final.usage.output_tokens, 8);
  ok("anthropic stream");
}
{
  const events = [];
  const stream = await anthropic.messages.create({
    model: MODEL,
    max_tokens: 4,
    messages,
    stream: true,
  });
  for await (const ev of stream) {
    events.push(ev.type);
  }
  assert.equal(events[0], "message_start");
  assert.equal(events.at(-1), "message_stop");
  assert.ok(events.includes("content_block_delta"));
  ok("anthropic raw stream events");
}
{
  const r = await anthropic.messages.countTokens({ model: MODEL, messages });
  assert.ok(r.input_tokens > 0);
  ok("anthropic count_tokens");
}
{
  const e = await rejects(
    anthropic.messages.create({ model: "no-such-model", max_tokens: 4, messages }),
    (e) => assert.ok(e instanceof Anthropic.NotFoundError, String(e)),
  );
  assert.equal(e.status, 404);
  assert.equal(e.error.error.code, "model_not_found");
  ok("anthropic 404");
}
{
  const e = await rejects(
    anthropic.messages.create({ model: "stopped-model", max_tokens: 4, messages }),
    (e) => assert.ok(e instanceof Anthropic.InternalServerError, String(e)),
  );
  assert.equal(e.status, 503);
  ok("anthropic 503 stopped model");
}
{
  const stream = anthropic.messages.stream({ model: MODEL, max_tokens: 400, messages });
  let deltas = 0;
  stream.on("text", () => {
    if (++deltas === 3) {
      stream.abort();
    }
  });
  await rejects(stream.finalMessage(), (e) =>
    assert.ok(e instanceof Anthropic.APIUserAbortError, String(e)),
  );
  const ms = await slotsIdleWithin(2000);
  ok(`anthropic stream abort frees the slot (${ms} ms)`);
}
console.log("[sdk-test] PASS");
