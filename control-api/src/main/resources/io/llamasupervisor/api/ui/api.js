// The API as the page sees it: the key kept in this tab's sessionStorage, JSON calls, and
// Server-Sent Events read through fetch (EventSource cannot send an Authorization header).

const KEY = "llama-supervisor.api-key";

export function apiKey() {
  return sessionStorage.getItem(KEY);
}

export function setApiKey(key) {
  if (key) sessionStorage.setItem(KEY, key);
  else sessionStorage.removeItem(KEY);
}

function headers(extra = {}) {
  const h = { Accept: "application/json", ...extra };
  const key = apiKey();
  if (key) h.Authorization = "Bearer " + key;
  return h;
}

/** A model id in a URL path: ids contain "/", which stays as it is. */
export function modelPath(id) {
  return id.split("/").map(encodeURIComponent).join("/");
}

/** GET a JSON document; rejects with {status, body} when not 2xx. */
export async function getJson(path) {
  const r = await fetch(path, { headers: headers(), cache: "no-store" });
  const body = await r.json().catch(() => null);
  if (!r.ok) throw { status: r.status, body };
  return body;
}

/** POST without a body; resolves with {status, body} whatever the status. */
export async function post(path) {
  const r = await fetch(path, { method: "POST", headers: headers({ "Content-Type": "application/json" }) });
  const body = await r.json().catch(() => null);
  return { status: r.status, body };
}

/**
 * Follows a Server-Sent-Events stream and reconnects after it ends or fails (1 s doubling to
 * 15 s), sending Last-Event-ID. onEvent({event, data, id}); onState("up"|"down"|"auth").
 * extraHeaders() is called at each connect. Returns {close()}.
 */
export function follow(path, { onEvent, onState = () => {}, extraHeaders = () => ({}) }) {
  let closed = false;
  let lastId = null;
  let delay = 1000;
  let controller = null;

  async function connect() {
    while (!closed) {
      controller = new AbortController();
      try {
        const h = headers({ Accept: "text/event-stream", ...extraHeaders() });
        if (lastId !== null) h["Last-Event-ID"] = lastId;
        const r = await fetch(path, { headers: h, signal: controller.signal, cache: "no-store" });
        if (r.status === 401 || r.status === 403) {
          onState("auth", r.status);
          return; // retried when the key changes
        }
        if (!r.ok || !r.body) throw new Error("HTTP " + r.status);
        onState("up");
        delay = 1000;
        await read(r.body, (e) => {
          if (e.id !== undefined) lastId = e.id;
          onEvent(e);
        });
      } catch (err) {
        if (closed) return;
      }
      if (closed) return;
      onState("down");
      await new Promise((res) => setTimeout(res, delay));
      delay = Math.min(delay * 2, 15000);
    }
  }

  connect();
  return {
    close() {
      closed = true;
      if (controller) controller.abort();
    },
  };
}

async function read(body, dispatch) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let event = { event: "message", data: [] };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let nl;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      let line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.endsWith("\r")) line = line.slice(0, -1);
      if (line === "") {
        if (event.data.length > 0 || event.id !== undefined) {
          dispatch({ event: event.event, data: event.data.join("\n"), id: event.id });
        }
        event = { event: "message", data: [] };
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let val = colon < 0 ? "" : line.slice(colon + 1);
      if (val.startsWith(" ")) val = val.slice(1);
      if (field === "data") event.data.push(val);
      else if (field === "event") event.event = val;
      else if (field === "id") event.id = val;
    }
  }
}
