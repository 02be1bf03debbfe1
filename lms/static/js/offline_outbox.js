// The facilitator's offline outbox, shared by the attendance scanner (marks) and the skills station (checklist
// scores): each item gets its own id and is kept in localStorage until the server has answered it, then sent at
// once, when the connection returns (the `online` event) and every few seconds. The server records each id once,
// so an item sent twice (a retry after a lost answer) is recorded once.
(function () {
  "use strict";

  function newId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  // A line on top of the page's log: the time, then what happened; its class says how it went (scan-recorded …).
  function logLine(log, kind, text) {
    var item = document.createElement("li");
    item.className = "scan-" + kind;
    item.textContent = new Date().toLocaleTimeString(document.documentElement.lang) + " · " + text;
    log.insertBefore(item, log.firstChild);
  }

  // options: storeKey (localStorage key), url and csrf (where to POST), field (the body's list: "marks", "scores"),
  // idName (each item's id: "scan_id", "client_id"), pending (the element counting what waits), every (ms between
  // retries), answered(outcome) (called for each result the server sends back).
  function create(options) {
    var sending = false;

    function load() { try { return JSON.parse(localStorage.getItem(options.storeKey)) || []; } catch (e) { return []; } }
    function save(items) {
      localStorage.setItem(options.storeKey, JSON.stringify(items));
      options.pending.textContent = items.length;
    }

    function send() {
      var items = load();
      if (sending || !items.length || navigator.onLine === false) { return; }
      sending = true;
      var body = {};
      body[options.field] = items;
      fetch(options.url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": options.csrf, Accept: "application/json" },
        body: JSON.stringify(body)
      }).then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      }).then(function (data) {
        var answered = {};
        data.results.forEach(function (outcome) {
          answered[outcome[options.idName]] = true;
          options.answered(outcome);
        });
        save(load().filter(function (item) { return !answered[item[options.idName]]; }));
      }).catch(function () { /* offline or server away: kept, retried */ })
        .then(function () { sending = false; });
    }

    function add(item) {
      item[options.idName] = newId();
      var items = load();
      items.push(item);
      save(items);
      send();
    }

    function start() {
      save(load());
      window.addEventListener("online", send);
      window.setInterval(send, options.every);
      send();
    }

    return { add: add, send: send, start: start };
  }

  window.LenteraOutbox = { create: create, logLine: logLine };
})();
