// The official OpenAI SDK's Responses API with previous_response_id against the gateway
// (run by ConversationSdkIT). BASE_URL is the gateway, MODEL the model to ask.
import OpenAI from "openai";

const client = new OpenAI({ baseURL: `${process.env.BASE_URL}/v1`, apiKey: "unused" });
const model = process.env.MODEL;

function fail(message) {
  console.log(`[conversation-sdk] FAIL ${message}`);
  process.exit(1);
}

const first = await client.responses.create({ model, input: "My name is Ada.", max_output_tokens: 4 });
if (!first.id.startsWith("resp_")) fail(`first id ${first.id}`);
if (!first.output_text) fail("first turn has no output_text");

const second = await client.responses.create({
  model,
  input: "What is my name?",
  previous_response_id: first.id,
  max_output_tokens: 4,
});
if (second.usage.input_tokens <= first.usage.total_tokens) {
  fail(`second turn saw ${second.usage.input_tokens} prompt tokens, first had ${first.usage.total_tokens}`);
}

// streaming, continuing the conversation
const stream = await client.responses.create({
  model,
  input: "Thanks.",
  previous_response_id: second.id,
  max_output_tokens: 3,
  stream: true,
});
let completed = null;
let deltas = 0;
for await (const event of stream) {
  if (event.type === "response.output_text.delta") deltas++;
  if (event.type === "response.completed") completed = event.response;
}
if (!completed || deltas !== 3) fail(`stream: completed=${!!completed} deltas=${deltas}`);
if (completed.usage.input_tokens <= second.usage.total_tokens) fail("third turn lost the history");

const fetched = await client.responses.retrieve(completed.id);
if (fetched.id !== completed.id) fail(`retrieve gave ${fetched.id}`);
await client.responses.delete(completed.id);
try {
  await client.responses.retrieve(completed.id);
  fail("a deleted response was still there");
} catch (e) {
  if (!(e instanceof OpenAI.NotFoundError)) fail(`retrieve after delete: ${e}`);
}
try {
  await client.responses.create({ model, input: "x", previous_response_id: "resp_unknown" });
  fail("an unknown previous_response_id was accepted");
} catch (e) {
  if (!(e instanceof OpenAI.NotFoundError)) fail(`unknown id: ${e}`);
}
console.log("[conversation-sdk] PASS");
