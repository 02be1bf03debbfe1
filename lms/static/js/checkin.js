// Learner's check-in page: when the session has a geofence, ask the browser for the position before sending.
(function () {
  "use strict";
  var root = document.querySelector("[data-checkin]");
  if (!root || root.dataset.geofence !== "1" || !navigator.geolocation) { return; }
  root.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.located === "1") { return; }
      event.preventDefault();
      var button = form.querySelector("[type=submit]");
      if (button) { button.disabled = true; button.dataset.text = button.value || button.textContent; }
      navigator.geolocation.getCurrentPosition(function (position) {
        form.querySelector("[name=latitude]").value = position.coords.latitude;
        form.querySelector("[name=longitude]").value = position.coords.longitude;
        form.querySelector("[name=accuracy]").value = position.coords.accuracy;
        form.dataset.located = "1";
        form.submit();
      }, function () {
        // Sent without a position: the server refuses with a clear message, and the try is kept.
        form.dataset.located = "1";
        form.submit();
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  });
})();
