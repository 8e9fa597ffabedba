// What the bidder's page (app.js) and the collector's page (collector.js) do alike with the broker: read
// /config.json, log in with the account's password (mqtt.js over WebSockets; mqtt.js reconnects by itself),
// say how the link is in #link, announce presence with a will that says offline if the page vanishes (the
// arbiter then ends the PIN session), and give the trade PIN on every new connection, because a new
// connection is a new session to the arbiter. Each page hands in what is its own: its client id prefix,
// what it subscribes to and shows once connected, what it redraws when the link changes.
"use strict";
(function (exports) {
  const $ = (id) => document.getElementById(id);
  const ignore = () => {};

  // A page's topic payloads as objects; null for one that is not JSON.
  function decode(payload) {
    try {
      return JSON.parse(new TextDecoder().decode(payload));
    } catch (e) {
      return null;
    }
  }

  // page: { clientId: prefix, connected(): subscribe and show, linkChanged(up, wasUp),
  //         message(topic, payload), takeover: a BroadcastChannel name (optional, see below) }.
  function create(page) {
    const linkChanged = page.linkChanged || ignore;
    const conn = {
      cfg: null, client: null, me: "", pin: "", connected: false, unlocked: false,
      start, givePin, answered, publish,
      topic: (name, account = conn.me) => conn.cfg.topics[name].replace("{account}", account),
      newId: (prefix) => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    };
    // With `takeover`: the cloud broker makes a login its client id (no login can take another's
    // session), so one login has one live connection: the newest window of this browser takes it, the
    // others stop (two windows reconnecting in turn would push each other off the broker forever).
    // Another device cannot be told: a connection dropped soon after it was made, three times running,
    // is taken as one (and this page stops, leaving the other connected).
    const windows = page.takeover && "BroadcastChannel" in window ? new BroadcastChannel(page.takeover) : null;
    const QUICK_DROP_MS = 5000, QUICK_DROPS = 3;
    let connectedAt = 0, quickDrops = 0;

    // Reads the page's settings and wires the login and PIN forms; the page's own set-up follows.
    async function start() {
      conn.cfg = await (await fetch("config.json")).json();
      $("register-link").hidden = !conn.cfg.registration;
      $("login").addEventListener("submit", login);
      $("pin-form").addEventListener("submit", (event) => {
        event.preventDefault();
        givePin($("pin").value.trim());
      });
      if (windows) windows.onmessage = (event) => { if (conn.client && event.data.account === conn.me) takenOver(); };
      return conn.cfg;
    }

    function publish(topic, body, options = { qos: 1 }) {
      conn.client.publish(topic, JSON.stringify({ v: 1, ...body }), options);
    }

    function link(up, words) {
      const wasUp = conn.connected;
      conn.connected = up;
      if (!up) conn.unlocked = false;     // the arbiter may have ended the session meanwhile
      linkChanged(up, wasUp);
      $("link").textContent = words;
      $("link").className = `link ${up ? "up" : "down"}`;
    }

    function login(event) {
      event.preventDefault();
      conn.me = $("account").value.trim();
      $("login-error").textContent = "";
      quickDrops = 0;
      const client = mqtt.connect(conn.cfg.broker_url, {
        username: conn.me, password: $("password").value, protocolVersion: 4, clean: true,
        clientId: `${page.clientId}-${conn.me}-${Math.random().toString(16).slice(2, 8)}`, reconnectPeriod: 1000, connectTimeout: 8000,
        will: { topic: conn.topic("presence"), payload: JSON.stringify({ v: 1, type: "presence", online: false }), qos: 1, retain: true },
      });
      conn.client = client;
      client.on("connect", connected);
      client.on("reconnect", () => link(false, "reconnecting…"));
      client.on("offline", () => link(false, "offline: reconnecting"));
      if (windows) {
        client.on("close", dropped);
        windows.postMessage({ account: conn.me });
      }
      client.on("error", (err) => {
        if (err && (err.code === 4 || err.code === 5 || /authori|bad user/i.test(err.message || ""))) {
          client.end(true);
          $("login-error").textContent = "login refused: check the account and password";
          link(false, "not connected");
        }
      });
      client.on("message", page.message);
    }

    function connected() {
      connectedAt = Date.now();
      link(true, "connected");
      page.connected();
      publish(conn.topic("presence"), { type: "presence", online: true }, { qos: 1, retain: true });
      $("login").hidden = true;
      if (conn.pin) givePin(conn.pin);     // a new connection is a new session: the PIN again
      else $("pin-form").hidden = false;
    }

    function givePin(pin) {
      conn.pin = pin;
      publish(conn.topic("pin"), { type: "pin", pin });
      $("pin-answer").textContent = "checking…";
    }

    // The arbiter's answer to a PIN (a `session` message on the account's result topic).
    function answered(body) {
      conn.unlocked = body.unlocked;
      $("pin-answer").textContent = body.message;
      $("pin-answer").className = body.unlocked ? "accepted" : "error";
      $("pin-form").hidden = body.unlocked;
      if (!body.unlocked) conn.pin = "";
    }

    function takenOver(where = "window") {
      conn.client.end(true);
      $("login").hidden = false;
      $("login-error").textContent = `this account is now open in another ${where}: log in again to bid here`;
      link(false, `taken over by another ${where}`);
    }

    function dropped() {
      quickDrops = connectedAt && Date.now() - connectedAt < QUICK_DROP_MS ? quickDrops + 1 : 0;
      connectedAt = 0;
      if (quickDrops >= QUICK_DROPS) takenOver("device");
    }

    return conn;
  }

  exports.create = create;
  exports.decode = decode;
})(window.connection = {});
