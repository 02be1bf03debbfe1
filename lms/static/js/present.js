// Facilitator's room QR screen: swap the QR image when the code rotates, and keep the open webinar codes current.
// Without this script the page reloads itself (a <noscript> meta refresh).
(function () {
  "use strict";
  var root = document.querySelector("[data-present]");
  if (!root) { return; }
  var image = root.querySelector("[data-testid=rotating-qr]");
  var codes = root.querySelector("[data-codes]");

  function showCodes(list) {
    while (codes.firstChild) { codes.removeChild(codes.firstChild); }
    list.forEach(function (code) {
      var line = document.createElement("p");
      line.className = "present-code";
      var label = document.createElement("span");
      label.textContent = code.label;
      var value = document.createElement("strong");
      value.textContent = code.code;
      line.appendChild(label);
      line.appendChild(document.createTextNode(" "));
      line.appendChild(value);
      codes.appendChild(line);
    });
  }

  function tick() {
    fetch(root.dataset.codeUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
      .then(function (data) {
        // The text changes the URL of the image, so the browser fetches the new QR exactly when it changes.
        image.src = root.dataset.qrUrl + "?t=" + encodeURIComponent(data.rotating_qr.split("t=")[1] || Date.now());
        showCodes(data.codes || []);
        window.setTimeout(tick, (data.valid_for_seconds + 0.3) * 1000);
      })
      .catch(function () { window.setTimeout(tick, 3000); });
  }
  tick();
})();
