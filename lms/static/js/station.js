// Facilitator's skills station: a checklist score is kept in localStorage with its own id and the time it was
// scored, then sent to the server; without signal it waits and is sent when the connection returns. The server
// records each id once, so a score sent twice (a retry after a lost answer) is recorded once.
(function () {
  "use strict";
  var form = document.querySelector("[data-station]");
  if (!form || !window.fetch || !window.localStorage) { return; }
  var status = form.querySelector("[data-station-status]");
  var pendingCount = form.querySelector("[data-pending]");
  var log = form.querySelector("[data-log]");
  var storeKey = "lentera.station." + form.dataset.syncUrl;
  var sending = false;

  function load() { try { return JSON.parse(localStorage.getItem(storeKey)) || []; } catch (e) { return []; } }
  function save(scores) { localStorage.setItem(storeKey, JSON.stringify(scores)); pendingCount.textContent = scores.length; }
  function newId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  function note(kind, text) {
    status.textContent = text;
    var item = document.createElement("li");
    item.className = "scan-" + kind;
    item.textContent = new Date().toLocaleTimeString(document.documentElement.lang) + " · " + text;
    log.insertBefore(item, log.firstChild);
  }

  function send() {
    var scores = load();
    if (sending || !scores.length || navigator.onLine === false) { return; }
    sending = true;
    fetch(form.dataset.syncUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": form.dataset.csrf, Accept: "application/json" },
      body: JSON.stringify({ scores: scores })
    }).then(function (response) {
      if (!response.ok) { throw new Error(response.status); }
      return response.json();
    }).then(function (data) {
      var answered = {};
      data.results.forEach(function (outcome) {
        answered[outcome.client_id] = true;
        var label = form.dataset["msg" + outcome.result.charAt(0).toUpperCase() + outcome.result.slice(1)];
        var verdict = outcome.passed === true ? form.dataset.msgPassed : outcome.passed === false ? form.dataset.msgFailed : "";
        note(outcome.result, label + ": " + (outcome.name || "?") + (verdict ? " — " + verdict : "") +
          (outcome.message ? " — " + outcome.message : ""));
      });
      save(load().filter(function (score) { return !answered[score.client_id]; }));
    }).catch(function () { /* offline or server away: kept, retried */ })
      .then(function () { sending = false; });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!form.reportValidity()) { return; }
    var answers = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field.name.indexOf("item-") !== 0) { return; }
      if ((field.type === "radio" || field.type === "checkbox") && !field.checked) { return; }
      answers[field.name.slice(5)] = field.value;
    });
    var learner = form.elements.learner_id;
    var scores = load();
    scores.push({
      client_id: newId(),
      instrument_id: Number(form.dataset.instrumentId),
      learner_id: Number(learner.value),
      answers: answers,
      remarks: form.elements.remarks.value,
      scored_at: new Date().toISOString()
    });
    save(scores);
    note("queued", form.dataset.msgQueued + ": " + learner.options[learner.selectedIndex].text);
    form.reset();
    window.scrollTo(0, 0);
    send();
  });

  save(load());
  window.addEventListener("online", send);
  window.setInterval(send, 5000);
  send();
})();
