// Facilitator's skills station: a checklist score is kept on the phone with its own id and the time it was scored,
// then sent to the server; without signal it waits and is sent when the connection returns (offline_outbox.js).
(function () {
  "use strict";
  var form = document.querySelector("[data-station]");
  if (!form || !window.fetch || !window.localStorage || !window.LenteraOutbox) { return; }
  var status = form.querySelector("[data-station-status]");
  var log = form.querySelector("[data-log]");

  function note(kind, text) {
    status.textContent = text;
    window.LenteraOutbox.logLine(log, kind, text);
  }

  var outbox = window.LenteraOutbox.create({
    storeKey: "lentera.station." + form.dataset.syncUrl,
    url: form.dataset.syncUrl,
    csrf: form.dataset.csrf,
    field: "scores",
    idName: "client_id",
    pending: form.querySelector("[data-pending]"),
    every: 5000,
    answered: function (outcome) {
      var label = form.dataset["msg" + outcome.result.charAt(0).toUpperCase() + outcome.result.slice(1)];
      var verdict = outcome.passed === true ? form.dataset.msgPassed : outcome.passed === false ? form.dataset.msgFailed : "";
      note(outcome.result, label + ": " + (outcome.name || "?") + (verdict ? " — " + verdict : "") +
        (outcome.message ? " — " + outcome.message : ""));
    }
  });

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
    var name = learner.options[learner.selectedIndex].text;
    var score = {
      instrument_id: Number(form.dataset.instrumentId),
      learner_id: Number(learner.value),
      answers: answers,
      remarks: form.elements.remarks.value,
      scored_at: new Date().toISOString()
    };
    form.reset();
    window.scrollTo(0, 0);
    note("queued", form.dataset.msgQueued + ": " + name);
    outbox.add(score);
  });

  outbox.start();
})();
