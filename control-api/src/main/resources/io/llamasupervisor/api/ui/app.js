// The dashboard: one row per model, live through the routing-table stream and the event stream
// (no polling); a model view with its plan, instances, traffic and a live log tail; operator
// actions with a confirmation.
import { apiKey, setApiKey, getJson, post, follow, modelPath } from "/ui/api.js";
import { sparkline, formatBytes, formatDuration, escapeHtml } from "/ui/format.js";

const state = {
  role: null,
  models: new Map(), // id -> model JSON of /api/v1/models
  routes: null, // the routing table
  progress: new Map(), // id -> load progress
  traffic: new Map(), // id -> [points]
  gateway: null, // true/false once the traffic stream answered
  memory: null, // GET /api/v1/memory
  events: [],
  selected: null,
};
const streams = { routes: null, events: null, logs: null, traffic: null };
const ACTIONS = {
  restart: "Restart {id} blue-green? A new generation starts and takes the traffic once ready; the old one drains, then stops.",
  stop: "Stop {id}? Its instances get SIGTERM and it stays stopped until started.",
  start: "Start {id}? Any operator stop and failure backoff are cleared.",
  load: "Load {id} now? It starts when its memory fits (idle models may be evicted) and stays until evicted or unloaded.",
  unload: "Unload {id}? It drains, then stops; the next request through the gateway starts it again.",
};

const $ = (sel) => document.querySelector(sel);

// ------------------------------------------------------------------ start, key, role

async function start() {
  closeStreams();
  let me;
  try {
    me = await getJson("/api/v1/whoami");
  } catch (e) {
    if (e.status === 401 || e.status === 403) {
      askForKey(apiKey() ? "That key was not accepted." : "This API needs a key.");
      return;
    }
    notice("error", "cannot reach the API: " + (e.status || e.message || e));
    return;
  }
  state.role = me.role;
  $("#whoami").textContent = (me.name ? me.name + " · " : "") + me.role;
  document.body.classList.toggle("role-read", me.role === "read");
  $("#key-form").hidden = true;
  await loadModels();
  openStreams();
  const fromHash = decodeURIComponent(location.hash.replace(/^#model=/, ""));
  if (fromHash && state.models.has(fromHash)) select(fromHash);
}

function askForKey(message) {
  $("#key-form").hidden = false;
  $("#key-message").textContent = message || "";
  $("#key-input").focus();
}

$("#key-button").addEventListener("click", () => askForKey(""));
$("#key-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  setApiKey($("#key-input").value.trim());
  $("#key-input").value = "";
  start();
});
$("#key-forget").addEventListener("click", () => {
  setApiKey(null);
  start();
});

// ------------------------------------------------------------------ data

async function loadModels() {
  const body = await getJson("/api/v1/models");
  state.models = new Map(body.models.map((m) => [m.id, m]));
  render();
  refreshMemory();
}

let memoryInFlight = null;
/** Reloads the memory report after an event (coalesced like refreshModel). */
function refreshMemory() {
  if (memoryInFlight) {
    memoryInFlight.again = true;
    return;
  }
  memoryInFlight = { again: false };
  getJson("/api/v1/memory")
    .then((m) => (state.memory = m))
    .catch(() => (state.memory = null))
    .finally(() => {
      const again = memoryInFlight.again;
      memoryInFlight = null;
      renderMemory();
      if (again) refreshMemory();
    });
}

const refreshing = new Map();
/** Reloads one model after an event (coalesced: at most one request per model in flight). */
function refreshModel(id) {
  if (refreshing.has(id)) {
    refreshing.set(id, true);
    return;
  }
  refreshing.set(id, false);
  getJson("/api/v1/models/" + modelPath(id))
    .then((m) => state.models.set(m.id, m))
    .catch((e) => {
      if (e.status === 404) state.models.delete(id);
    })
    .finally(() => {
      const again = refreshing.get(id);
      refreshing.delete(id);
      render();
      if (again) refreshModel(id);
    });
}

function openStreams() {
  streams.routes = follow("/api/v1/routes/stream", {
    extraHeaders: () => (state.routes ? { "X-Registry-Epoch": state.routes.epoch } : {}),
    onState: (s) => connState("#conn-routes", s),
    onEvent: (e) => {
      if (e.event !== "message") return;
      state.routes = JSON.parse(e.data);
      render();
    },
  });
  streams.events = follow("/api/v1/events", {
    onState: (s) => connState("#conn-events", s),
    onEvent: onFleetEvent,
  });
}

function closeStreams() {
  for (const k of Object.keys(streams)) {
    if (streams[k]) streams[k].close();
    streams[k] = null;
  }
}

function connState(sel, s) {
  const el = $(sel);
  el.classList.toggle("up", s === "up");
  el.classList.toggle("down", s !== "up");
  if (s === "auth") askForKey("The key was refused by " + el.title + ".");
}

function onFleetEvent(e) {
  if (e.event === "hello") {
    if (!JSON.parse(e.data).resumed) loadModels().catch(() => {});
    return;
  }
  if (e.event === "progress") {
    state.progress = new Map(JSON.parse(e.data).map((p) => [p.model, p]));
    render();
    return;
  }
  if (!["state", "decision", "rollout"].includes(e.event)) return;
  const ev = JSON.parse(e.data);
  const m = state.models.get(ev.model);
  if (m) {
    m.state = ev.modelState;
    if (ev.kind === "DECISION") m.lastDecision = { code: ev.reason, message: ev.message, at: ev.at };
    if (ev.kind === "ROLLOUT") m.rollout = ev.rollout;
  }
  if (ev.kind === "STATE" && ev.to !== "starting") state.progress.delete(ev.model);
  state.events.unshift(ev);
  state.events.length = Math.min(state.events.length, 200);
  render();
  refreshModel(ev.model);
  refreshMemory();
}

// ------------------------------------------------------------------ actions

async function act(id, action) {
  const dialog = $("#confirm");
  $("#confirm-text").textContent = ACTIONS[action].replace("{id}", id);
  $("#confirm-ok").textContent = action[0].toUpperCase() + action.slice(1);
  dialog.returnValue = "";
  dialog.showModal();
  const answer = await new Promise((res) => dialog.addEventListener("close", () => res(dialog.returnValue), { once: true }));
  if (answer !== "ok") return;
  const r = await post("/api/v1/models/" + modelPath(id) + "/" + action);
  const text = r.body ? r.body.message || (r.body.error && r.body.error.message) || "" : "";
  notice(r.status === 202 ? "ok" : "error", text, r.status + (r.status === 202 ? " Accepted" : ""), action + " " + id);
}

function notice(kind, text, status, what) {
  const el = $("#notice");
  el.hidden = false;
  el.className = "notice" + (kind === "error" ? " error" : "");
  el.innerHTML =
    (status ? `<span class="status" data-testid="action-status">${escapeHtml(status)}</span>` : "") +
    (what ? `<span class="code">${escapeHtml(what)}</span> ` : "") +
    `<span data-testid="action-message">${escapeHtml(text)}</span>`;
}

document.addEventListener("click", (ev) => {
  const b = ev.target.closest("button[data-action]");
  if (b) {
    ev.stopPropagation();
    act(b.dataset.model, b.dataset.action);
    return;
  }
  const row = ev.target.closest("#fleet tbody tr[data-model]");
  if (row) select(row.dataset.model);
});
$("#model-close").addEventListener("click", () => select(null));

// ------------------------------------------------------------------ model view

function select(id) {
  if (streams.logs) streams.logs.close();
  if (streams.traffic) streams.traffic.close();
  streams.logs = streams.traffic = null;
  state.selected = id;
  history.replaceState(null, "", id ? "#model=" + encodeURIComponent(id) : "#");
  $("#model").hidden = !id;
  if (!id) return render();
  const logs = $("#model-logs");
  logs.textContent = "";
  streams.logs = follow("/api/v1/models/" + modelPath(id) + "/logs?follow=true&lines=100", {
    onState: (s) => {
      $("#log-status").textContent = s === "up" ? "live" : "reconnecting…";
      if (s === "up") logs.textContent = ""; // the stream starts with the last lines again
    },
    onEvent: (e) => {
      if (e.event !== "message") return;
      const atBottom = logs.scrollTop + logs.clientHeight >= logs.scrollHeight - 4;
      const lines = (logs.textContent ? logs.textContent.split("\n") : []).concat(e.data);
      logs.textContent = lines.slice(-500).join("\n");
      if (atBottom) logs.scrollTop = logs.scrollHeight;
    },
  });
  streams.traffic = follow("/api/v1/traffic/stream", {
    onEvent: (e) => {
      if (e.event !== "traffic") return;
      const t = JSON.parse(e.data);
      state.gateway = t.gateway;
      for (const [model, p] of Object.entries(t.models)) {
        const points = state.traffic.get(model) || [];
        points.push(p);
        state.traffic.set(model, points.slice(-60));
      }
      renderTraffic();
    },
  });
  render();
}

// ------------------------------------------------------------------ rendering

let scheduled = false;
function render() {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    renderFleet();
    renderModel();
    renderEvents();
  });
}

function routeOf(id) {
  return state.routes ? state.routes.models.find((r) => r.id === id) : null;
}

function servingBackends(id) {
  const r = routeOf(id);
  return r ? r.backends.filter((b) => String(b.state).toLowerCase() === "ready") : [];
}

function renderFleet() {
  if (state.routes) $("#routes-version").textContent = "routes v" + state.routes.version;
  const rows = [];
  for (const m of state.models.values()) {
    const ready = servingBackends(m.id);
    const gen = ready.length ? Math.max(...ready.map((b) => b.generation)) : null;
    const ports = (ready.length ? ready : m.instances).map((b) => b.port).join(", ");
    const total = ready.reduce((s, b) => s + b.slotsTotal, 0);
    const busy = ready.reduce((s, b) => s + (b.slotsTotal - b.slotsIdle), 0);
    const replicas = m.replicas != null ? `${ready.length}/${m.replicas}` : ready.length > 1 ? String(ready.length) : "";
    const mem = m.plan && m.plan.memory ? m.plan.memory.totalBytes : null;
    const measured = m.memory && m.memory.measuredBytes;
    const d = m.lastDecision;
    const p = state.progress.get(m.id);
    const rollout = m.rollout && m.rollout.phase !== "done" ? m.rollout : null;
    rows.push(`<tr data-model="${escapeHtml(m.id)}" class="${m.id === state.selected ? "selected" : ""}">
      <td><span class="id">${escapeHtml(m.id)}</span>${m.alias && m.alias !== m.id ? `<span class="alias"> ${escapeHtml(m.alias)}</span>` : ""}</td>
      <td><span class="state ${escapeHtml(m.state)}" data-testid="state">${escapeHtml(m.state)}</span>${p ? `<span class="msg">${escapeHtml(progressText(p))}</span>` : ""}</td>
      <td class="gen" data-testid="generation">${gen ?? "–"}</td>
      <td>${escapeHtml(ports || "–")}</td>
      <td>${escapeHtml(replicas)}</td>
      <td>${total ? `${busy}/${total}` : "–"}</td>
      <td>${measured ? formatBytes(measured) + " measured" : mem ? formatBytes(mem) + " est." : "–"}</td>
      <td>${m.restarts}</td>
      <td>${d ? `<span class="code">${escapeHtml(d.code)}</span><span class="msg" title="${escapeHtml(d.message)}">${escapeHtml(d.message)}</span>` : ""}</td>
      <td data-testid="rollout">${rollout ? `<span class="code">${escapeHtml(rollout.phase)}</span> <span class="muted">${rollout.fromGeneration}→${rollout.toGeneration}</span>` : m.rollout ? `<span class="muted">${escapeHtml(m.rollout.phase)} ${m.rollout.fromGeneration}→${m.rollout.toGeneration}</span>` : ""}</td>
      <td class="operate actions">${actionButtons(m)}</td>
    </tr>`);
  }
  $("#fleet tbody").innerHTML = rows.join("");
  $("#fleet-empty").hidden = state.models.size > 0;
}

function actionButtons(m) {
  if (m.state === "rejected") return "";
  return ["restart", "stop", "start", "load", "unload"]
    .map((a) => `<button type="button" data-action="${a}" data-model="${escapeHtml(m.id)}"${a === "stop" ? ' class="danger"' : ""}>${a}</button>`)
    .join("");
}

function progressText(p) {
  const of = p.timeoutMs > 0 ? " of " + formatDuration(p.timeoutMs) : "";
  return `loading ${formatDuration(p.elapsedMs)}${of}${p.stage ? " · " + p.stage : ""}`;
}

function renderModel() {
  const m = state.selected && state.models.get(state.selected);
  if (!m) {
    $("#model").hidden = true;
    return;
  }
  $("#model").hidden = false;
  $("#model-title").textContent = m.id;
  const st = $("#model-state");
  st.textContent = m.state;
  st.className = "state " + m.state;
  $("#model-actions").innerHTML = actionButtons(m);
  const p = state.progress.get(m.id) || m.startup;
  $("#model-progress").hidden = !p;
  if (p) {
    $("#model-progress-bar").value = p.timeoutMs > 0 ? Math.min(1, p.elapsedMs / p.timeoutMs) : 0;
    $("#model-progress-text").textContent = `generation ${p.generation}: ${progressText(p)}`;
  }
  const plan = m.plan;
  const dl = [];
  if (plan) {
    dl.push(["context", `${plan.ctxSize} (${plan.ctxPerSlot} per slot × ${plan.parallel} slots)`]);
    dl.push(["KV cache", `K ${plan.cacheTypeK} · V ${plan.cacheTypeV} · flash-attn ${plan.flashAttn}`]);
    if (plan.memory) dl.push(["memory (est.)", `${formatBytes(plan.memory.totalBytes)} (weights ${formatBytes(plan.memory.weightsBytes)} + KV ${formatBytes(plan.memory.kvBytes)})`]);
  }
  const mm = m.memory;
  if (mm) {
    if (mm.measuredBytes != null) dl.push(["memory (measured)", formatBytes(mm.measuredBytes) + " after the last load"]);
    dl.push(["resident", `${formatBytes(mm.residentBytes)}${mm.pinned ? " · pinned" : ""} · priority ${mm.priority}`]);
    if (mm.waiting) dl.push(["waiting for memory", mm.waiting]);
  }
  if (m.catalog) dl.push(["file", `${m.catalog.verdict}${m.catalog.reason ? " " + m.catalog.reason : ""} · ${formatBytes(m.catalog.sizeBytes)}`]);
  if (m.lastDecision) dl.push(["last decision", `${m.lastDecision.code}: ${m.lastDecision.message}`]);
  if (m.rollout) dl.push(["rollout", `${m.rollout.phase} ${m.rollout.fromGeneration}→${m.rollout.toGeneration} (${m.rollout.reason}) ${m.rollout.message || ""}`]);
  $("#model-plan").innerHTML = dl.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join("");
  $("#model-argv").textContent = plan ? plan.argv.join(" ") : "(no plan)";
  const warnings = [...(plan ? plan.warnings : []), ...(m.catalog ? m.catalog.warnings : [])];
  $("#model-warnings").innerHTML = warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join("");
  $("#model-instances tbody").innerHTML =
    m.instances
      .map((i) => `<tr><td>${i.generation}</td><td><span class="state ${escapeHtml(i.state)}">${escapeHtml(i.state)}</span>${i.adopted ? ' <span class="muted">adopted</span>' : ""}</td><td>${i.port}</td><td>${i.pid}</td><td>${escapeHtml(new Date(i.since).toLocaleTimeString())}</td></tr>`)
      .join("") || `<tr><td colspan="5" class="muted">no instance</td></tr>`;
  renderTraffic();
}

function renderMemory() {
  const el = $("#memory");
  const r = state.memory;
  if (!r) {
    el.innerHTML = "";
    return;
  }
  if (!r.scheduled) {
    el.innerHTML = `<span class="muted" data-testid="memory-none">no memory budget: every model starts when asked</span>`;
    return;
  }
  const devices = r.devices
    .map((d) => {
      const cap = d.capacityBytes;
      const share = cap ? Math.min(1, d.usedBytes / cap) : 0;
      return `<div class="device" data-testid="memory-device"><span class="code">${escapeHtml(d.id)}</span>
        <meter min="0" max="1" value="${share.toFixed(3)}" high="0.9"></meter>
        ${formatBytes(d.usedBytes)} of ${formatBytes(cap)} used · ${formatBytes(d.freeBytes)} free${d.reportedFreeBytes != null ? ` <span class="muted">(device reports ${formatBytes(d.reportedFreeBytes)} free)</span>` : ""}</div>`;
    })
    .join("");
  const waiting = r.waiting
    .map((w) => `<li><span class="id">${escapeHtml(w.model)}</span> <span class="msg">${escapeHtml(w.message)}</span></li>`)
    .join("");
  el.innerHTML = devices + (waiting ? `<ul class="waiting" data-testid="memory-waiting">${waiting}</ul>` : "");
}

function renderTraffic() {
  const el = $("#model-traffic");
  const points = state.selected ? state.traffic.get(state.selected) : null;
  if (state.gateway === null) {
    el.innerHTML = `<span class="muted">waiting for traffic figures…</span>`;
  } else if (!state.gateway || !points) {
    el.innerHTML = `<span class="muted" data-testid="no-gateway">no gateway data</span>`;
  } else {
    el.innerHTML = [
      ["requests/s", points.map((p) => p.requestsPerSecond), (v) => v.toFixed(2)],
      ["TTFT", points.map((p) => p.ttftSeconds), (v) => (v * 1000).toFixed(0) + " ms"],
      ["tokens/s", points.map((p) => p.tokensPerSecond), (v) => v.toFixed(1)],
    ]
      .map(([label, values, fmt]) => sparkline(label, values, fmt))
      .join("");
  }
}

function renderEvents() {
  $("#events").innerHTML = state.events
    .slice(0, 100)
    .map((e) => {
      const what =
        e.kind === "STATE"
          ? `generation ${e.generation} ${e.from ?? "new"} → ${e.to}`
          : e.kind === "ROLLOUT"
            ? `rollout ${e.to} (${e.rollout.fromGeneration}→${e.rollout.toGeneration})`
            : "decision";
      return `<li><time>${escapeHtml(new Date(e.at).toLocaleTimeString())}</time><span class="id">${escapeHtml(e.model)}</span> ${escapeHtml(what)} <span class="code">${escapeHtml(e.reason)}</span> <span class="muted">${escapeHtml(e.message || "")}</span></li>`;
    })
    .join("");
}

start();
