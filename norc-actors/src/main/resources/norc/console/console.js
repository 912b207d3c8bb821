// The NORC web console. The server pushes the supervision tree, the node's connections, the
// cluster's members and a metrics overview once a second (server-sent events on
// /admin/console/events, read with fetch so that the admin token travels in the Authorization
// header); shards, federation peers and the audit chain's roots are asked for every 5 s. The
// token stays in this tab (sessionStorage) and goes only to this origin. Text only: nothing from
// the server is ever parsed as HTML.
"use strict";

const state = { token: sessionStorage.getItem("norc-admin-token") || "", restarts: new Map(), samples: [] };
const HISTORY = 60;
const SPARKS = [
  { key: "setups", label: "sessions set up /s" },
  { key: "accepted", label: "messages accepted /s" },
  { key: "delivered", label: "messages delivered /s" },
  { key: "acceptMs", label: "accept latency, mean ms" },
  { key: "inbox", label: "messages waiting in inboxes" },
];

function headers(json) {
  const h = { "Authorization": "Bearer " + state.token };
  if (json) h["Content-Type"] = "application/json";
  return h;
}

function api(path, options = {}) {
  return fetch(path, { ...options, headers: headers(Boolean(options.body)) }).then(response => {
    if (!response.ok) throw new Error(path + ": HTTP " + response.status);
    return response.json();
  });
}

function element(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function row(values) {
  const tr = element("tr");
  values.forEach(v => tr.appendChild(element("td", null, String(v))));
  return tr;
}

function status(text, className) {
  const s = document.getElementById("status");
  s.textContent = text;
  s.className = className;
}

// ---- the tree ----

function drawNode(node) {
  const li = element("li");
  li.dataset.path = node.path;
  li.appendChild(element("span", "actor", node.name));
  if (node.count > 1 || node.name === "(anonymous)") li.appendChild(element("span", "count", "× " + node.count));
  if (node.restarts > 0) li.appendChild(element("span", "restarts", "↻ " + node.restarts));
  const seen = state.restarts.get(node.path);
  if (seen !== undefined && node.restarts > seen) li.classList.add("flash");
  state.restarts.set(node.path, node.restarts);
  if (node.crashable) {
    const crash = element("button", "crash", "crash");
    crash.type = "button";
    crash.addEventListener("click", () => api("/admin/console/crash", { method: "POST", body: JSON.stringify({ path: node.path }) }));
    li.appendChild(crash);
  }
  if (node.children.length > 0) {
    const ul = element("ul");
    node.children.forEach(child => ul.appendChild(drawNode(child)));
    li.appendChild(ul);
  }
  return li;
}

// ---- the overview: rates from running totals, drawn as sparklines ----

function sample(event) {
  const o = event.overview;
  const previous = state.samples.length ? state.samples[state.samples.length - 1] : null;
  const now = { at: event.at, o };
  if (previous) {
    const seconds = Math.max(0.001, (event.at - previous.at) / 1000);
    const delta = key => (o[key] - previous.o[key]);
    const accepts = delta("accept_seconds_count");
    now.setups = delta("session_setups") / seconds;
    now.accepted = delta("messages_accepted") / seconds;
    now.delivered = delta("messages_delivered") / seconds;
    now.acceptMs = accepts > 0 ? 1000 * delta("accept_seconds_sum") / accepts : 0;
  } else {
    now.setups = now.accepted = now.delivered = now.acceptMs = 0;
  }
  now.inbox = o.inbox_messages;
  state.samples.push(now);
  if (state.samples.length > HISTORY) state.samples.shift();
}

function sparkline(spark) {
  const values = state.samples.map(s => s[spark.key]);
  const max = Math.max(1, ...values);
  const width = 180, height = 36;
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);
  const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
  const step = width / (HISTORY - 1);
  line.setAttribute("points", values.map((v, i) => (i * step).toFixed(1) + "," + (height - 2 - (v / max) * (height - 4)).toFixed(1)).join(" "));
  svg.appendChild(line);
  const box = element("div", "sparkline");
  box.dataset.key = spark.key;
  const last = values.length ? values[values.length - 1] : 0;
  box.appendChild(element("span", "value", last.toFixed(spark.key === "inbox" ? 0 : 1)));
  box.appendChild(document.createTextNode(" " + spark.label));
  box.appendChild(svg);
  return box;
}

// ---- drawing an event ----

function draw(event) {
  // the entities live under the system guardian's sharding: each region as one node, its entities counted
  const regions = event.tree.sharding.map(r => ({ name: r.type + " (" + r.entities + " entities in " + r.shards + " shards)",
    path: "/system/sharding/" + r.type, count: 1, restarts: r.restarts, crashable: false, children: [] }));
  const sharding = { name: "sharding (/system/sharding)", path: "/system/sharding", count: 1, restarts: 0, crashable: false,
    children: regions };
  document.getElementById("tree").replaceChildren(drawNode(event.tree.user), drawNode(sharding));
  const restarts = event.tree.restarts.slice().reverse().map(r =>
    element("li", null, new Date(r.at).toLocaleTimeString() + "  " + r.path + "  " + r.what + "  (" + r.cause + ")"));
  document.getElementById("restarts").replaceChildren(...restarts);
  document.getElementById("connections").textContent = event.connections.connections;
  document.getElementById("sessions").textContent = event.connections.authenticated;
  const members = event.members.members;
  document.getElementById("members").textContent = members.filter(m => m.status === "up").length;
  document.querySelector("#cluster tbody").replaceChildren(...members.map(m => row([m.address, m.status,
    m.reachable ? "yes" : "NO", (m.address === event.members.self ? "this node " : "") + (m.address === event.members.leader ? "leader" : "")])));
  sample(event);
  document.getElementById("sparklines").replaceChildren(...SPARKS.map(sparkline));
  status("live, " + new Date(event.at).toLocaleTimeString(), "live");
}

// ---- the pushed stream, and the slower panels ----

async function listen() {
  for (;;) {
    try {
      const response = await fetch("/admin/console/events", { headers: headers(false) });
      if (!response.ok) throw new Error("events: HTTP " + response.status);
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split("\n").filter(l => l.startsWith("data:")).map(l => l.slice(5).trimStart()).join("\n");
          if (data) draw(JSON.parse(data));
        }
      }
    } catch (error) {
      status(error.message + "; reconnecting", "failed");
    }
    await new Promise(resolve => setTimeout(resolve, 2000));
  }
}

function slowPanels() {
  api("/admin/cluster/shards").then(answer => {
    const rows = [];
    Object.entries(answer.types).forEach(([type, nodes]) =>
      Object.entries(nodes).forEach(([node, s]) => rows.push(row([type, node, s.shards, s.entities]))));
    document.querySelector("#sharding tbody").replaceChildren(...rows);
  }).catch(() => {});
  fetch("/admin/federation/peers", { headers: headers(false) }).then(r => r.ok ? r.json() : { peers: null }).then(answer => {
    const body = document.querySelector("#federation tbody");
    const pending = document.querySelector("#pending tbody");
    if (answer.peers === null) {
      body.replaceChildren(row(["federation is off", "", ""]));
      pending.replaceChildren(row(["federation is off", "", "", ""]));
      return;
    }
    if (answer.peers.length === 0) body.replaceChildren(row(["no peers", "", ""]));
    else body.replaceChildren(...answer.peers.map(p => row([p.server_id, p.grant, p.decided_by || ""])));
    const waiting = answer.peers.filter(p => p.pending);
    if (waiting.length === 0) pending.replaceChildren(row(["none waiting", "", "", ""]));
    else pending.replaceChildren(...waiting.map(p => row([p.server_id, p.pending, p.grant,
      "norc admin trust approve " + p.server_id + " (or reject)"])));
  }).catch(() => {});
  api("/admin/audit/roots").then(roots => {
    const last = roots.length ? roots[roots.length - 1] : null;
    document.getElementById("audit").textContent = last
      ? "last entry " + last.last_sequence + " on " + last.day + ", root " + last.root.slice(0, 16) + "…  (verify: norc admin audit verify)"
      : "no entries yet";
  }).catch(error => { document.getElementById("audit").textContent = error.message; });
}

function start() {
  document.getElementById("login").hidden = true;
  document.getElementById("console").hidden = false;
  listen();
  slowPanels();
  setInterval(slowPanels, 5000);
}

document.getElementById("login").addEventListener("submit", event => {
  event.preventDefault();
  state.token = document.getElementById("token").value.trim();
  sessionStorage.setItem("norc-admin-token", state.token);
  start();
});

if (state.token) start();
