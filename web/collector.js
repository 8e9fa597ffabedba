// The collector's page: the catalog, a kind's market data and valuation (charted with Chart.js), trading
// on the exchange, quantity clocks and new issues, and my funds, holdings, orders and notices. Everything
// live comes over MQTT (mqtt.js over WebSockets); the page decides nothing: every figure is the arbiter's
// (a kind's retained market message, depth, clocks, issues, my statement and holdings), every action is
// a command the arbiter answers. The trade PIN is asked once a session and again before a trade-changing
// action once `pin_window_s` has passed since it was last given (0: before every action).
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const el = (tag, text, cls) => { const e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e; };
  const TIF = { gtc: "good till cancelled", ioc: "immediate or cancel", fok: "fill or kill", gtd: "good till date" };
  const state = {
    pinAt: 0, kinds: new Map(), depth: new Map(), clocks: new Map(), issues: new Map(), orders: new Map(), holdings: [],
    statement: null, notices: [], current: null, chart: null, action: null, waitingPin: null, drawQueued: false,
  };
  // Login, presence, the trade PIN and reconnects (web/connection.js).
  const conn = connection.create({ clientId: "collector", connected, message: received });

  const t = () => conn.cfg.collector;
  const fill = (pattern, params) => pattern.replace(/\{(\w+)\}/g, (_, key) => params[key] ?? "+");
  const mine = (name, extra = {}) => fill(t()[name], { account: conn.me, ...extra });
  const digits = () => conn.cfg.minor_digits;
  const money = (minor) => (minor == null ? "-" : rules.formatAmount(minor, conn.cfg.currency, digits()));
  const major = (minor) => minor / 10 ** digits();
  // An amount as people write it ("1,000.50") to integer minor units, digit by digit (no floats); NaN if it is not one.
  function toMinor(text) {
    const found = /^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$/.exec(String(text).trim());
    if (!found || (found[2] || "").length > digits()) return NaN;
    return parseInt(found[1].replace(/,/g, "") + (found[2] || "").padEnd(digits(), "0"), 10);
  }
  const newId = conn.newId;
  const when = (ms) => new Date(ms).toISOString().replace("T", " ").slice(0, 16);
  const fee = (notional) => Math.floor(notional * conn.cfg.fees.taker_bps / 10000);

  async function boot() {
    const window_s = (await conn.start()).pin_window_s;
    $("pin-window").textContent = window_s ? `${window_s} s` : "each trade";
    $("search").addEventListener("input", renderCatalog);
    $("category").addEventListener("change", renderCatalog);
    $("back").addEventListener("click", () => show(null));
    $("tif").addEventListener("change", () => { $("until-label").hidden = $("tif").value !== "gtd"; allIn(); });
    for (const id of ["side", "quantity", "price"]) $(id).addEventListener("input", allIn);
    $("trade").addEventListener("submit", reviewOrder);
    $("confirm-form").addEventListener("submit", confirmed);
    $("confirm-no").addEventListener("click", () => { state.action = null; $("confirm").hidden = true; });
    for (const tab of document.querySelectorAll("[data-tab]")) tab.addEventListener("click", () => openTab(tab.dataset.tab));
    setInterval(tickClocks, 250);
  }

  function openTab(name) {
    for (const tab of document.querySelectorAll("[data-tab]")) tab.classList.toggle("on", tab.dataset.tab === name);
    $("catalog").hidden = name !== "catalog";
    $("mine").hidden = name !== "mine";
  }

  // ---- connection and the trade PIN -------------------------------------------------------------
  function connected() {
    const every = (name) => fill(t()[name], {});
    conn.client.subscribe([every("kind_market"), every("depth"), every("clock"), every("issue"), mine("statement"),
      mine("holdings"), mine("notice"), mine("orders"), mine("result")], { qos: 1 });
    $("tabs").hidden = false;
    openTab($("mine").hidden ? "catalog" : "mine");
  }

  // The arbiter's answer to a PIN: an action that waited for it goes now, or is dropped with the reason.
  function session(body) {
    conn.answered(body);
    if (body.unlocked) state.pinAt = Date.now();
    const waiting = state.waitingPin;
    state.waitingPin = null;
    if (waiting && body.unlocked) waiting();
    else if (waiting) toast(`not sent: ${body.message}`, "rejected");
  }

  const send = (name, body, extra = {}) => conn.publish(mine(name, extra), body);

  // ---- every message ------------------------------------------------------------------------------
  function received(topic, payload) {
    if (!payload.length) return orderCleared(topic);
    const body = connection.decode(payload);
    if (!body) return;
    switch (body.type) {
      case "kind_market": state.kinds.set(body.kind, body); queueDraw(); break;
      case "depth": state.depth.set(body.kind, body); queueDraw(); break;
      case "clock_state": state.clocks.set(body.clock_id, body); queueDraw(); break;
      case "issue_state": state.issues.set(body.terms.issue_id, body); queueDraw(); break;
      case "statement": state.statement = body; renderMine(); break;
      case "holdings": state.holdings = body.balances; renderMine(); break;
      case "user_orders": state.orders = new Map(body.orders.map((o) => [o.order_id, o])); queueDraw(); break;
      case "open_order": state.orders.set(body.order_id, body); queueDraw(); break;
      case "notice": state.notices.unshift({ ...body, read: false }); renderNotices(); break;
      case "session": session(body); break;
      case "order_result": toast(body.message, body.status === "ok" ? "accepted" : "rejected"); break;
      case "error": toast(body.message, "rejected"); break;
    }
  }

  function orderCleared(topic) {
    const id = topic.split("/").pop();
    if (state.orders.delete(id)) queueDraw();
  }

  function queueDraw() {
    if (state.drawQueued) return;
    state.drawQueued = true;
    requestAnimationFrame(() => { state.drawQueued = false; renderCatalog(); renderKind(); renderMine(); });
  }

  function toast(text, kind) {
    $("answer").textContent = text;
    $("answer").className = `toast ${kind}`;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { $("answer").textContent = ""; }, 8000);
  }

  // ---- the catalog --------------------------------------------------------------------------------
  function searchable(m) {
    const s = m.spec || {};
    return [m.kind, s.name, s.issuer, s.issue_year, s.denomination, (s.grade || {}).value,
      ...(s.references || []).map((r) => `${r.catalogue} ${r.number} ${r.catalogue}#${r.number}`)].join(" ").toLowerCase();
  }

  function renderCatalog() {
    const categories = [...new Set([...state.kinds.values()].map((m) => m.spec && m.spec.category).filter(Boolean))].sort();
    const select = $("category");
    if (select.options.length - 1 !== categories.length) {
      const chosen = select.value;
      select.replaceChildren(el("option", "every category"), ...categories.map((c) => el("option", c.replace(/_/g, " "))));
      select.options[0].value = "";
      categories.forEach((c, i) => { select.options[i + 1].value = c; });
      select.value = chosen;
    }
    const words = $("search").value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const list = [...state.kinds.values()].filter((m) => m.spec && (!select.value || m.spec.category === select.value)
      && words.every((w) => searchable(m).includes(w))).sort((a, b) => a.spec.name.localeCompare(b.spec.name) || a.kind.localeCompare(b.kind));
    $("kinds").replaceChildren(...list.map((m) => {
      const button = el("button", `${m.spec.name} · ${m.spec.grade.value}`);
      button.type = "button";
      button.dataset.kind = m.kind;
      button.append(el("small", `${m.spec.issue_year} · ${m.spec.issuer || m.spec.category} · ${money(m.value.value)} (${m.value.confidence})`));
      button.addEventListener("click", () => show(m.kind));
      return el("li").appendChild(button).parentNode;
    }));
  }

  function show(kind) {
    state.current = kind;
    $("kind").hidden = !kind;
    if (kind) {
      openTab("catalog");
      $("price").value = "";
      renderKind();
      $("kind").scrollIntoView({ block: "start" });
    }
  }

  // ---- one kind -----------------------------------------------------------------------------------
  function renderKind() {
    const m = state.kinds.get(state.current);
    if (!m) return;
    const s = m.spec || {};
    $("kind-name").textContent = `${s.name || m.kind} · ${(s.grade || {}).value || ""}`;
    $("kind-images").replaceChildren(...(s.images || []).map((src) => {
      const img = el("img");
      img.src = /^(https?:)?\//.test(src) ? src : `media/${src}`;
      img.alt = s.name;
      return img;
    }));
    const fields = [["Kind", m.kind], ["Issuer", s.issuer], ["Denomination", s.denomination], ["Issue year", s.issue_year],
      ["Issue quantity", s.issue_quantity != null ? s.issue_quantity.toLocaleString("en") : null],
      ["Grade", s.grade && `${s.grade.value} (${s.grade.scale})`], ["Material", s.material],
      ["Weight", s.weight_mg ? `${s.weight_mg / 1000} g` : null],
      ["References", (s.references || []).map((r) => `${r.catalogue} ${r.number}`).join(", ")], ["About", s.description]];
    $("kind-fields").replaceChildren(...fields.filter(([, v]) => v).flatMap(([k, v]) => [el("dt", k), el("dd", String(v))]));
    $("value").textContent = money(m.value.value);
    $("confidence").textContent = m.value.confidence;
    $("confidence").className = `badge ${m.value.confidence}`;
    $("value-basis").textContent = { trades: `on ${m.value.trades} trade${m.value.trades === 1 ? "" : "s"}` +
      (m.value.excluded ? `, ${m.value.excluded} left out as outliers` : ""), estimate: "between its neighbouring grades",
      house: "the house's estimate", none: "no trades yet" }[m.value.source];
    const all = m.windows[0];
    $("f-last").textContent = money(m.last);
    $("f-high").textContent = money(all.high);
    $("f-low").textContent = money(all.low);
    $("f-average").textContent = money(all.average);
    $("f-volume").textContent = `${all.volume} in ${all.trades}`;
    $("f-owners").textContent = String(m.owners) + ((m.owner_handles || []).length ? ` (${m.owner_handles.join(", ")})` : "");
    $("windows").tBodies[0].replaceChildren(...m.windows.map((w) => row([w.name, w.trades, w.volume, money(w.high), money(w.low), money(w.average)])));
    $("tape").replaceChildren(...(m.tape || []).slice().reverse().slice(0, 30).map((x) =>
      el("li", `${when(x.at_ms)} · ${x.channel} · ${x.quantity} at ${money(x.price)}${x.group ? " (group lot)" : ""}${x.cancelled ? ` (cancelled: ${x.cancelled})` : ""}`)));
    renderDepth(m.kind);
    renderClocks(m.kind);
    renderIssues(m.kind);
    draw(m);
    allIn();
  }

  function row(cells) {
    const tr = el("tr");
    for (const cell of cells) tr.append(el("td", cell == null ? "-" : String(cell)));
    return tr;
  }

  function draw(m) {
    const points = (m.tape || []).filter((x) => !x.group && !x.cancelled).map((x) => ({ x: x.at_ms, y: major(x.price) }));
    const line = (m.history || []).filter((v) => v.value != null).map((v) => ({ x: v.at_ms, y: major(v.value) }));
    if (state.chart && state.chart.$kind !== m.kind) { state.chart.destroy(); state.chart = null; }
    if (!state.chart) {
      state.chart = new Chart($("chart"), {
        data: { datasets: [
          { type: "scatter", label: "trades", data: points, backgroundColor: "#8a3b12", pointRadius: 4 },
          { type: "line", label: "valuation", data: line, borderColor: "#1d1b18", stepped: "after", pointRadius: 0, borderWidth: 2 },
        ] },
        options: { animation: false, maintainAspectRatio: false, parsing: false,
          scales: { x: { type: "linear", ticks: { maxTicksLimit: 5, callback: (v) => when(v).slice(5) } },
            y: { title: { display: true, text: conn.cfg.currency } } },
          plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${c.parsed.y.toLocaleString("en")} ${conn.cfg.currency}` } } } },
      });
      state.chart.$kind = m.kind;
      return;
    }
    state.chart.data.datasets[0].data = points;
    state.chart.data.datasets[1].data = line;
    state.chart.update("none");
  }

  function renderDepth(kind) {
    const d = state.depth.get(kind);
    $("book-status").textContent = d ? d.status : "no orders yet";
    $("book-status").className = `badge ${d ? d.status : ""}`;
    if (!d) return $("depth").tBodies[0].replaceChildren();
    const asks = d.asks.slice().reverse().map((l) => ({ ...l, side: "sell" }));
    const bids = d.bids.map((l) => ({ ...l, side: "buy" }));
    $("depth").tBodies[0].replaceChildren(...[...asks, ...bids].map((l) => {
      const tr = row(l.side === "buy" ? [`${l.quantity} (${l.orders})`, money(l.price), ""] : ["", money(l.price), `${l.quantity} (${l.orders})`]);
      tr.className = l.side === "sell" ? "ask" : "bid";
      tr.addEventListener("click", () => {             // take the level: buy from an ask, sell to a bid
        $("side").value = l.side === "sell" ? "buy" : "sell";
        $("price").value = major(l.price);
        allIn();
      });
      return tr;
    }));
  }

  // ---- trading: review, all-in cost, PIN, send --------------------------------------------------
  function allIn() {
    const quantity = parseInt($("quantity").value, 10), price = toMinor($("price").value);
    if (!(quantity > 0) || !(price > 0)) {
      $("all-in").textContent = $("price").value.trim() && !(price > 0) ? `not an amount in ${conn.cfg.currency}` : "";
      return null;
    }
    const notional = quantity * price, fees = fee(notional), buy = $("side").value === "buy";
    const text = buy ? `All-in cost up to ${money(notional + fees)} (${money(notional)} + fee up to ${money(fees)})`
      : `You receive at least ${money(notional - fees)} (${money(notional)} − fee up to ${money(fees)})`;
    $("all-in").textContent = text;
    return { quantity, price, text };
  }

  function reviewOrder(event) {
    event.preventDefault();
    const cost = allIn();
    if (!cost || !state.current) return toast("give a quantity and a price", "rejected");
    const tif = $("tif").value, side = $("side").value;
    const until = tif === "gtd" ? Date.parse(`${$("until").value}Z`) : null;
    if (tif === "gtd" && !(until > Date.now())) return toast("a good-till-date order needs a time in the future", "rejected");
    const order = { type: "order", order_id: newId("o"), kind: state.current, side, quantity: cost.quantity, price: cost.price,
      currency: conn.cfg.currency, tif, ...(until ? { until_ms: until } : {}) };
    ask(`${side === "buy" ? "Buy" : "Sell"} ${cost.quantity} ${state.current}`,
      `${cost.quantity} at ${money(cost.price)}, ${TIF[tif]}. ${cost.text}.`, () => send("order", order));
  }

  function ask(title, text, action) {
    state.action = action;
    $("confirm-title").textContent = title;
    $("confirm-text").textContent = text;
    const pinDue = !conn.unlocked || Date.now() - state.pinAt > conn.cfg.pin_window_s * 1000;
    $("confirm-pin-label").hidden = !pinDue;
    $("confirm-pin").required = pinDue;
    $("confirm-pin").value = "";
    $("confirm").hidden = false;
  }

  function confirmed(event) {
    event.preventDefault();
    const action = state.action;
    state.action = null;
    $("confirm").hidden = true;
    if (!action) return;
    if ($("confirm-pin-label").hidden) return action();
    state.waitingPin = action;                         // the arbiter checks the PIN first, then the action goes
    conn.givePin($("confirm-pin").value.trim());
  }

  function cancelOrder(o) {
    ask(`Cancel order ${o.order_id}`, `${o.side} ${o.remaining} ${o.kind} at ${money(o.price)}: the rest is released.`,
      () => send("cancel", { type: "cancel_order", order_id: o.order_id }));
  }

  function amendOrder(o, quantity, price) {
    if (!(quantity > 0) || !(price > 0)) return toast("give the new quantity and price", "rejected");
    const keeps = quantity < o.remaining && price === o.price;
    ask(`Amend order ${o.order_id}`, `${o.side} ${quantity} ${o.kind} at ${money(price)} (now ${o.remaining} at ${money(o.price)}): `
      + (keeps ? "a smaller quantity at the same price keeps its place." : "it is cancelled and placed again as a new order."),
      () => send("amend", { type: "amend_order", amend_id: newId("a"), order_id: o.order_id, quantity, price }));
  }

  function orderCard(o) {
    const li = el("li");
    li.dataset.order = o.order_id;
    li.append(el("div", `${o.side} ${o.remaining} of ${o.quantity} ${o.kind} at ${money(o.price)} · ${TIF[o.tif] || o.tif} · ${o.status}`));
    const quantity = el("input"); quantity.type = "number"; quantity.min = "1"; quantity.value = o.remaining; quantity.setAttribute("aria-label", "new quantity");
    const price = el("input"); price.inputMode = "decimal"; price.value = major(o.price); price.setAttribute("aria-label", "new price");
    const amend = el("button", "Amend", "secondary"); amend.type = "button";
    amend.addEventListener("click", () => amendOrder(o, parseInt(quantity.value, 10), toMinor(price.value)));
    const cancel = el("button", "Cancel"); cancel.type = "button";
    cancel.addEventListener("click", () => cancelOrder(o));
    const actions = el("div", null, "row");
    actions.append(quantity, price, amend, cancel);
    li.append(actions);
    return li;
  }

  // ---- clocks and new issues ----------------------------------------------------------------------
  function clockNow(c) {
    if (c.status !== "running") return null;
    return rules.clockPrice(c.segment_top, c.floor, c.ends_at_ms - c.segment_start_ms, c.schedule, c.step_ms, Date.now() - c.segment_start_ms);
  }

  function renderClocks(kind) {
    const clocks = [...state.clocks.values()].filter((c) => c.kind === kind && c.status !== "withdrawn");
    $("clocks").replaceChildren(...clocks.map((c) => {
      const li = el("li");
      li.dataset.clock = c.clock_id;
      li.append(el("div", `Clock ${c.clock_id} · ${c.status} · ${c.remaining} of ${c.total} left, at least ${c.minimum} a stop`));
      li.append(el("strong", c.status === "running" ? money(clockNow(c)) : `from ${money(c.top)}`, "clock-price"));
      li.append(el("small", `falls to ${money(c.floor)} · ` + c.stops.map((s) => `${s.quantity} at ${money(s.price)}`).join(", ")));
      if (c.status === "running") {
        li.append(quantityAction("quantity to buy", c.minimum, c.remaining, "Stop the clock", (q) => {
          const price = clockNow(c), notional = q * price;
          ask(`Stop clock ${c.clock_id}`, `${q} ${kind} at ${money(price)} (the clock's price now): all-in up to ${money(notional + fee(notional))}.`,
            () => send("clock_cmd", { type: "clock_accept", accept_id: newId("k"), clock_id: c.clock_id, quantity: q, price }));
        }));
      }
      return li;
    }));
  }

  function tickClocks() {
    for (const li of document.querySelectorAll("#clocks li")) {
      const c = state.clocks.get(li.dataset.clock);
      if (c && c.status === "running") li.querySelector(".clock-price").textContent = money(clockNow(c));
    }
  }

  function renderIssues(kind) {
    const issues = [...state.issues.values()].filter((i) => i.terms.kind === kind);
    $("issues").replaceChildren(...issues.map((i) => {
      const x = i.terms, open = i.status === "announced" && Date.now() >= x.opens_at_ms && Date.now() < x.closes_at_ms;
      const li = el("li");
      li.dataset.issue = x.issue_id;
      li.append(el("div", `Issue ${x.issue_id}: ${x.quantity} at ${money(x.price)} · ${x.method.replace("_", " ")} · ${i.status}`));
      li.append(el("small", `applications ${when(x.opens_at_ms)} to ${when(x.closes_at_ms)} UTC · ${i.applied} applied`));
      if (i.status === "allocated") {
        li.append(el("div", `allocated: ${i.allocations.map((a) => `#${a.number} ${a.allocated} of ${a.applied}`).join(", ")}`, "allocation"));
      }
      if (open) {
        li.append(quantityAction("units to apply for", 1, null, "Apply", (q) =>
          ask(`Apply to issue ${x.issue_id}`, `${q} ${kind} at ${money(x.price)}: ${money(q * x.price)} held until the allocation; what is not allocated is released.`,
            () => send("apply", { type: "issue_application", application_id: newId("i"), issue_id: x.issue_id, quantity: q }))));
      }
      return li;
    }));
  }

  // A quantity (from `min`, up to `max` if given) and a button that calls `act` with it.
  function quantityAction(label, min, max, words, act) {
    const quantity = el("input"); quantity.type = "number"; quantity.min = String(min); quantity.value = min; quantity.setAttribute("aria-label", label);
    if (max != null) quantity.max = String(max);
    const button = el("button", words); button.type = "button";
    button.addEventListener("click", () => act(parseInt(quantity.value, 10)));
    const actions = el("div", null, "row");
    actions.append(quantity, button);
    return actions;
  }

  // ---- mine ---------------------------------------------------------------------------------------
  function renderMine() {
    const cash = state.holdings.find((b) => b.ledger === conn.cfg.currency);
    $("funds-available").textContent = money(cash ? cash.available : 0);
    $("funds-held").textContent = money(cash ? cash.held : 0);
    let total = 0;
    const units = state.holdings.filter((b) => b.ledger.startsWith("units:") && b.balance > 0);
    $("holdings").tBodies[0].replaceChildren(...units.map((b) => {
      const kind = b.ledger.slice("units:".length), m = state.kinds.get(kind), value = m && m.value.value;
      if (value != null) total += value * b.balance;
      const tr = row([kind, b.balance, b.held, value == null ? "-" : `${money(value)} (${m.value.confidence})`, value == null ? "-" : money(value * b.balance)]);
      tr.dataset.kind = kind;
      tr.addEventListener("click", () => show(kind));
      return tr;
    }));
    $("portfolio").textContent = money(total);
    const orders = [...state.orders.values()];
    $("orders").replaceChildren(...orders.map(orderCard));
    const lines = state.statement ? state.statement.lines.slice().reverse() : [];
    $("statement").tBodies[0].replaceChildren(...lines.map((l) => row([when(l.at_ms), l.ledger, l.ledger.startsWith("units:") ? l.amount : money(l.amount),
      l.ledger.startsWith("units:") ? l.balance : money(l.balance), l.reference])));
  }

  function renderNotices() {
    const item = (n) => {
      const li = el("li", n.text, n.read ? "read" : "");
      li.addEventListener("click", () => { n.read = true; li.className = "read"; });
      return li;
    };
    $("notices").replaceChildren(...state.notices.map(item));
    $("invoices").replaceChildren(...state.notices.filter((n) => n.kind === "order").map(item));
  }

  document.addEventListener("DOMContentLoaded", boot);
})();
