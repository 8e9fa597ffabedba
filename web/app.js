// The remote bidder's page. Everything live comes over MQTT (mqtt.js over WebSockets); the server
// only hands out /config.json: the broker URL and the topics, formatted from shared/topics.py.
// The page never decides anything: it shows the arbiter's lot state and its answers to my bids.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const STATUS = { pending: "Soon", open: "Open", fair_warning: "Fair warning", paused: "Paused", sold: "Sold", passed: "Passed" };
  const BIDDABLE = ["open", "fair_warning"];
  const CONFIRM_MS = 6000;
  const state = {
    lot: null, lotAt: 0, confirming: false, confirmPrice: null, confirmTimer: null, bids: new Map(), videoUrl: null, frameAt: null,
    avatars: {}, asked: new Set(),
  };
  const AVATAR = /^avatars\/([A-Za-z0-9_.-]+)\.(png|jpg)$/;        // shared/avatars.py: avatar_ref()
  // Login, presence, the trade PIN and reconnects (web/connection.js). The cloud broker makes a bidder's
  // login its client id: one login, one live connection, so a newer window or device takes it over.
  const conn = connection.create({ clientId: "web", takeover: "hall-bidder-login", connected, linkChanged, message: received });
  const topic = conn.topic;
  const money = (minor) => (minor == null ? "-" : rules.formatAmount(minor, conn.cfg.currency, conn.cfg.minor_digits));
  const send = (name, body) => conn.publish(topic(name), body);

  async function boot() {
    const cfg = await conn.start();
    $("sale").textContent = `Live auction · ${cfg.sale}`;
    $("show-register").addEventListener("click", () => { $("register").hidden = false; });
    $("register").addEventListener("submit", registerAccount);
    $("bid").addEventListener("click", bidClicked);
    $("cancel").addEventListener("click", () => confirmMode(false));
    $("max-form").addEventListener("submit", leaveMax);
    setInterval(tick, 250);
  }

  // ---- registration (the house approves it; nothing is bid through the server) --------------------
  async function registerAccount(event) {
    event.preventDefault();
    const file = $("reg-avatar").files[0];
    const avatar = file ? await base64(file) : null;
    const form = { account: $("reg-account").value.trim(), handle: $("reg-handle").value.trim(),
      password: $("reg-password").value, pin: $("reg-pin").value.trim(), avatar };
    $("register-answer").textContent = "sending…";
    let answer;
    try {
      answer = await (await fetch("register", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(form) })).json();
    } catch (e) {
      answer = { status: "refused", message: "the server could not be reached" };
    }
    $("register-answer").textContent = answer.message;
    $("register-answer").className = answer.status === "ok" ? "accepted" : "error";
    if (answer.status === "ok") $("reg-password").value = $("reg-pin").value = "";   // secrets do not linger in the form
  }

  function base64(file) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result).split(",", 2)[1]);
      reader.onerror = () => reject(reader.error);
      reader.readAsDataURL(file);
    });
  }

  // ---- connection ------------------------------------------------------------------------------
  function linkChanged(up, wasUp) {
    if (wasUp && !up && conn.pin) $("pin-answer").textContent = "connection lost: the PIN is given again on reconnect";
    render();
  }

  function connected() {
    const t = conn.cfg.topics;
    conn.client.subscribe([t.lot, t.catalog, t.message, topic("result")], { qos: 1 });
    conn.client.subscribe(t.video, { qos: 0 });
    for (const account of state.asked) conn.client.subscribe(topic("avatar", account), { qos: 1 });
    $("sale-room").hidden = false;
    $("register").hidden = $("register-link").hidden = true;              // logged in: registering is done
  }

  function received(name, payload) {
    if (name === conn.cfg.topics.video) return frame(payload);
    const avatar = [...state.asked].find((account) => name === topic("avatar", account));
    if (avatar) return avatarArrived(avatar, payload);
    const body = connection.decode(payload);
    if (!body) return;
    if (body.type === "lot_state") lotChanged(body);
    else if (body.type === "catalog") runList(body);
    else if (body.type === "notice") note(body.text);
    else if (body.type === "session") session(body);
    else if (body.type === "bid_result") answered(body.bid_id, body.status, body.message);
    else if (body.type === "error") answered(body.ref, "rejected", body.message);
  }

  function session(body) {
    conn.answered(body);
    render();
  }

  // ---- the lot -----------------------------------------------------------------------------------
  function lotChanged(lot) {
    const previous = state.lot;
    state.lot = lot;
    state.lotAt = performance.now();
    if (previous && (previous.lot !== lot.lot || previous.asking !== lot.asking || !BIDDABLE.includes(lot.status))) confirmMode(false);
    render();
    renderBids();
    const mine = [...state.bids.values()].filter((b) => b.lot === lot.lot && b.kind === "bid" && b.status === "accepted").pop();
    const now = mine && standing(mine);
    if (now === "outbid") say(lot.status === "sold" ? `outbid: sold to ${lot.leader.label}` : `outbid: asking is now ${money(price())}`, now);
    else if (now === "won") say(`you won lot ${lot.lot} for ${money(lot.current_bid)}`, now);
  }

  function say(words, kind) {
    $("bid-answer").textContent = words;
    $("bid-answer").className = kind;
  }

  function price() {
    const lot = state.lot;
    if (!lot || !BIDDABLE.includes(lot.status)) return null;
    return rules.priceNow(lot, rules.arbiterNow(lot.at_ms, performance.now() - state.lotAt, Date.now()));
  }

  function render() {
    const lot = state.lot;
    if (lot) {
      const status = $("lot-status");
      status.className = `status ${lot.status}`;
      status.textContent = STATUS[lot.status] + (lot.status === "sold" && lot.leader ? ` to ${lot.leader.label} for ${money(lot.current_bid)}` : "");
      $("lot-reason").textContent = rules.outcome(lot, conn.cfg.minor_digits)[1];      // why it closed as it did
      $("lot-title").textContent = `Lot ${lot.lot}: ${lot.title}`;
      $("lot-description").textContent = lot.description || "";
      $("estimate").textContent = lot.estimate_low != null ? `${money(lot.estimate_low)} – ${money(lot.estimate_high)}` : "-";
      $("current").textContent = money(lot.current_bid);
      $("asking-label").textContent = lot.kind === "dutch" ? "Clock" : "Asking";
      const leader = lot.status === "passed" ? null : lot.leader;        // a passed lot has nobody leading
      $("current-label").textContent = { sold: "Hammer price", passed: "Highest bid" }[lot.status] || "Current bid";
      $("leader-label").textContent = lot.status === "sold" ? "Bought by" : "Leader";
      $("leader-name").textContent = leader ? leader.label : "-";
      picture($("leader-avatar"), leader && leader.avatar);
      picture($("lot-image"), lot.image);
    }
    const now = price();
    $("asking").textContent = money(now);
    const button = $("bid");
    button.classList.toggle("confirm", state.confirming);
    $("cancel").hidden = !state.confirming;
    const why = !conn.connected ? "Reconnecting…" : !conn.unlocked ? "Enter your PIN to bid" : !lot ? "Waiting for the first lot"
      : lot.hall_online === false ? "The room is offline: bidding held" : now == null ? "Bidding closed" : null;
    button.disabled = why !== null;
    const verb = lot && lot.kind === "dutch" ? "Accept" : "Bid";
    button.textContent = why || (state.confirming ? `Confirm ${money(lot.kind === "dutch" ? now : state.confirmPrice)}` : `${verb} ${money(now)}`);
  }

  function picture(img, name) {
    if (!name) {
      img.hidden = true;
      return;
    }
    // Avatars of accounts the house registered during the sale are not in the media folder: they
    // come from their retained topic, asked for the first time one is needed.
    const account = (AVATAR.exec(name) || [])[1];
    const src = (account && state.avatars[account]) || `media/${name}`;
    if (img.getAttribute("src") !== src) {
      img.onerror = () => {
        img.hidden = true;
        if (account) askAvatar(account);
      };
      img.onload = () => { img.hidden = false; };
      img.setAttribute("src", src);
    }
  }

  function askAvatar(account) {
    if (state.asked.has(account) || !conn.client) return;
    state.asked.add(account);
    conn.client.subscribe(topic("avatar", account), { qos: 1 });
  }

  function avatarArrived(account, payload) {
    const bytes = payload instanceof Uint8Array ? payload : new Uint8Array(payload);
    const kind = bytes[0] === 0x89 ? "image/png" : "image/jpeg";
    state.avatars[account] = URL.createObjectURL(new Blob([bytes.slice()], { type: kind }));
    render();
  }

  // ---- bidding -----------------------------------------------------------------------------------
  function confirmMode(on) {
    clearTimeout(state.confirmTimer);
    state.confirming = on;
    state.confirmPrice = on ? price() : null;
    if (on) state.confirmTimer = setTimeout(() => confirmMode(false), CONFIRM_MS);
    render();
  }

  function bidClicked() {
    const now = price();
    if (now == null) return;
    if (!state.confirming) return confirmMode(true);              // one confirmation, then the bid
    const lot = state.lot;
    const amount = lot.kind === "dutch" ? now : state.confirmPrice;
    const bidId = conn.newId("web");
    state.bids.set(bidId, { lot: lot.lot, amount, kind: "bid", status: "sent", message: "sent" });
    send("bid", { type: "bid", bid_id: bidId, lot: lot.lot, amount, currency: lot.currency });
    confirmMode(false);
    renderBids();
  }

  function leaveMax(event) {
    event.preventDefault();
    const units = parseInt($("max").value, 10);
    if (!state.lot || !(units > 0)) return;
    const amount = units * 10 ** conn.cfg.minor_digits;
    const bidId = conn.newId("max");
    state.bids.set(bidId, { lot: state.lot.lot, amount, kind: "max", status: "sent", message: "sent" });
    send("max", { type: "max_bid", bid_id: bidId, lot: state.lot.lot, amount, currency: state.lot.currency });
    $("max").value = "";
    renderBids();
  }

  function answered(bidId, status, message) {
    const mine = state.bids.get(bidId);
    if (mine) Object.assign(mine, { status, message });
    say(message, status);
    renderBids();
  }

  function standing(bid) {
    // An accepted bid is leading, outbid, won or lost as the lot moves on.
    const lot = state.lot;
    if (bid.kind !== "bid" || bid.status !== "accepted" || !lot || lot.lot !== bid.lot) return bid.status;
    const mineLeads = lot.current_bid === bid.amount && lot.leader && lot.leader.channel === "online";
    if (lot.status === "sold") return mineLeads ? "won" : "outbid";
    if (lot.status === "passed") return "passed";
    return mineLeads ? "leading" : "outbid";
  }

  function renderBids() {
    const list = $("my-bids");
    list.replaceChildren(...[...state.bids.values()].reverse().map((bid) => {
      const item = document.createElement("li");
      const now = standing(bid);
      item.className = now;
      const what = bid.kind === "max" ? "maximum" : "bid";
      item.textContent = `Lot ${bid.lot}: ${what} ${money(bid.amount)} · ${now}${now === bid.status ? ` (${bid.message})` : ""}`;
      return item;
    }));
  }

  // ---- the rest of the room ------------------------------------------------------------------------
  function runList(catalog) {
    $("run-list").replaceChildren(...catalog.lots.map((lot) => {
      const item = document.createElement("li");
      const outcome = lot.status === "sold" ? ` · sold ${money(lot.hammer)}` : ` · ${STATUS[lot.status].toLowerCase()}`;
      item.textContent = `Lot ${lot.lot}: ${lot.title}${outcome}`;
      if (lot.lot === catalog.current) item.style.fontWeight = "700";
      return item;
    }));
  }

  function note(text) {
    const item = document.createElement("li");
    item.textContent = `${new Date().toLocaleTimeString()} · ${text}`;
    $("messages").prepend(item);
  }

  function frame(payload) {
    const bytes = payload instanceof Uint8Array ? payload : new Uint8Array(payload);
    const cut = bytes.indexOf(10);
    if (cut < 0) return;
    let header;
    try {
      header = JSON.parse(new TextDecoder().decode(bytes.subarray(0, cut)));
    } catch (e) {
      return;
    }
    const url = URL.createObjectURL(new Blob([bytes.slice(cut + 1)], { type: "image/jpeg" }));
    const img = $("video");
    const previous = state.videoUrl;
    img.onload = () => {                  // the previous frame is let go once this one shows
      if (previous) URL.revokeObjectURL(previous);
      state.frameAt = header.at_ms;
    };
    img.src = url;
    state.videoUrl = url;
  }

  function tick() {
    if (state.frameAt) {
      const age = Math.max(0, (Date.now() - state.frameAt) / 1000);
      $("video-age").textContent = `hall video · ${age.toFixed(1)} s old`;
      $("video-age").classList.toggle("stale", age > 5);
    }
    if (state.lot && state.lot.kind === "dutch") render();          // the clock falls between states
  }

  document.addEventListener("DOMContentLoaded", boot);
})();
