// Quiz page enhancement: save each answer the moment it is given (PUT /api/v1/attempts/{id}/answers/{question_id}),
// show whether it is saved, and count down to the deadline the server fixed. An answer that could not be sent (no
// connection) stays in the page and is sent again when the connection returns. Without this script the Save / Next
// buttons post the same answers.
(function () {
  "use strict";
  var form = document.querySelector("form.quiz-form");
  if (!form || !window.fetch) { return; }
  var saveUrl = form.getAttribute("data-save-url").replace(/0$/, "");
  var csrf = form.getAttribute("data-csrf");
  var text = {
    saving: form.getAttribute("data-saving-text"),
    saved: form.getAttribute("data-saved-text"),
    failed: form.getAttribute("data-failed-text"),
    timeUp: form.getAttribute("data-time-up-text")
  };
  var queues = {};
  var timers = {};
  var unsent = {};  // question id -> fieldset whose last answer did not reach the server

  function responseOf(fieldset) {
    var kind = fieldset.getAttribute("data-kind");
    var name = "q-" + fieldset.getAttribute("data-question-id");
    var inputs = fieldset.querySelectorAll("[name='" + name + "']");
    if (kind === "multiple") {
      return Array.prototype.filter.call(inputs, function (i) { return i.checked; }).map(function (i) { return i.value; });
    }
    if (kind === "single" || kind === "true_false") {
      var checked = Array.prototype.filter.call(inputs, function (i) { return i.checked; })[0];
      return checked ? checked.value : null;
    }
    return inputs.length ? inputs[0].value : null;
  }

  function show(fieldset, state, message) {
    var status = fieldset.querySelector(".save-state");
    status.setAttribute("data-state", state);
    status.textContent = message;
    if (state === "saved") {
      var id = fieldset.getAttribute("data-question-id");
      var button = form.querySelector(".page-button[data-question-id='" + id + "']");
      if (button) { button.classList.add("answered"); }
    }
  }

  function save(fieldset) {
    var id = fieldset.getAttribute("data-question-id");
    var body = JSON.stringify({ response: responseOf(fieldset) });
    show(fieldset, "saving", text.saving);
    // One request at a time per question, in order, so the last answer given is the one kept.
    queues[id] = (queues[id] || Promise.resolve()).then(function () {
      return fetch(saveUrl + id, {
        method: "PUT",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
        body: body
      }).then(function (response) {
        if (response.ok) { delete unsent[id]; show(fieldset, "saved", text.saved); return; }
        if (response.status >= 500) { unsent[id] = fieldset; }
        return response.json().then(function (data) {
          show(fieldset, "error", (data && data.error && data.error.message) || text.failed);
        }, function () { show(fieldset, "error", text.failed); });
      }, function () { unsent[id] = fieldset; show(fieldset, "error", text.failed); });
    });
  }

  function retryUnsent() {
    Object.keys(unsent).forEach(function (id) { save(unsent[id]); });
  }
  // Back online: send what is still waiting; and try again now and then, since "online" is not always reported.
  window.addEventListener("online", retryUnsent);
  setInterval(function () {
    if (navigator.onLine !== false && Object.keys(unsent).length) { retryUnsent(); }
  }, 15000);

  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("fieldset.question");
    if (fieldset) { clearTimeout(timers[fieldset.id]); save(fieldset); }
  });
  form.addEventListener("input", function (event) {
    var fieldset = event.target.closest("fieldset.question");
    if (!fieldset || event.target.type !== "text") { return; }
    // Typed answers are saved after a short pause, and again on change (leaving the field).
    clearTimeout(timers[fieldset.id]);
    timers[fieldset.id] = setTimeout(function () { save(fieldset); }, 800);
  });

  var timer = document.querySelector("[data-seconds-left]");
  if (timer) {
    var value = timer.querySelector(".quiz-timer-value");
    var ends = Date.now() + parseInt(timer.getAttribute("data-seconds-left"), 10) * 1000;
    var tick = function () {
      var left = Math.max(0, Math.round((ends - Date.now()) / 1000));
      var seconds = left % 60;
      value.textContent = Math.floor(left / 60) + ":" + (seconds < 10 ? "0" : "") + seconds;
      if (left === 0) {
        value.textContent = text.timeUp;
        clearInterval(interval);
        // The server grades the attempt with the saved answers; reloading shows the result.
        setTimeout(function () { window.location.reload(); }, 2000);
      }
    };
    var interval = setInterval(tick, 1000);
    tick();
  }
})();
