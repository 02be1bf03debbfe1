// Member import progress: asks the server every 2 seconds and moves the bar; reloads the page when the import ends.
// Without JavaScript the page's Refresh header reloads it instead.
(function () {
  "use strict";
  var box = document.querySelector("[data-status-url]");
  if (!box) return;
  var bar = box.querySelector("[data-testid=import-bar]");
  var percent = box.querySelector("[data-testid=import-percent]");
  function poll() {
    fetch(box.getAttribute("data-status-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        bar.value = data.percent;
        percent.textContent = data.percent;
        if (data.status === "running") { window.setTimeout(poll, 2000); } else { window.location.reload(); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  if (box.querySelector("h2") && document.querySelector("progress").value < 100) { window.setTimeout(poll, 2000); }
})();
