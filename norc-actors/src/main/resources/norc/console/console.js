// The NORC web console: asks the admin API for this node's supervision tree, sessions and
// members every second and draws them. The admin token stays in this tab (sessionStorage) and
// goes only to this origin, in the Authorization header. Text only: nothing from the server is
// ever parsed as HTML.
"use strict";

const state = { token: sessionStorage.getItem("norc-admin-token") || "", restarts: new Map(), timer: null };

function api(path, options = {}) {
  const headers = { "Authorization": "Bearer " + state.token };
  if (options.body) headers["Content-Type"] = "application/json";
  return fetch(path, { ...options, headers }).then(response => {
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

function draw(tree, connections, members) {
  document.getElementById("tree").replaceChildren(drawNode(tree.user));
  const rows = tree.sharding.map(region => {
    const tr = element("tr");
    [region.type, region.shards, region.entities].forEach(v => tr.appendChild(element("td", null, String(v))));
    return tr;
  });
  document.querySelector("#sharding tbody").replaceChildren(...rows);
  const restarts = tree.restarts.slice().reverse().map(r =>
    element("li", null, new Date(r.at).toLocaleTimeString() + "  " + r.path + "  " + r.what + "  (" + r.cause + ")"));
  document.getElementById("restarts").replaceChildren(...restarts);
  document.getElementById("connections").textContent = connections.connections;
  document.getElementById("sessions").textContent = connections.authenticated;
  document.getElementById("members").textContent = members.members.filter(m => m.status === "up").length;
}

function refresh() {
  Promise.all([api("/admin/tree"), api("/admin/connections"), api("/admin/cluster/members")])
    .then(([tree, connections, members]) => {
      draw(tree, connections, members);
      const status = document.getElementById("status");
      status.textContent = "live, " + new Date().toLocaleTimeString();
      status.className = "live";
    })
    .catch(error => {
      const status = document.getElementById("status");
      status.textContent = error.message;
      status.className = "failed";
    });
}

function start() {
  document.getElementById("login").hidden = true;
  document.getElementById("console").hidden = false;
  refresh();
  state.timer = setInterval(refresh, 1000);
}

document.getElementById("login").addEventListener("submit", event => {
  event.preventDefault();
  state.token = document.getElementById("token").value.trim();
  sessionStorage.setItem("norc-admin-token", state.token);
  start();
});

if (state.token) start();
