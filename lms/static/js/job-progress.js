// Polls the progress of a long job (GET /api/v1/jobs/<id>) and moves the bar; reloads the page once it is over.
(function () {
  "use strict";
  var box = document.querySelector("[data-job-run]");
  if (!box || !window.fetch) return;
  var bar = box.querySelector("progress");
  var count = box.querySelector("[data-job-count]");
  function poll() {
    fetch(box.getAttribute("data-progress-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (run) {
        if (!run) return;
        bar.value = run.percent;
        bar.textContent = run.percent + "%";
        if (count) count.textContent = run.done + " / " + run.total;
        if (run.state === "finished" || run.state === "failed") { window.location.reload(); return; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
