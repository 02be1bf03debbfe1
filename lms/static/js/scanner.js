// Facilitator's scanner: reads learners' personal QR codes with the camera (BarcodeDetector, else the vendored
// jsQR), answers each with a colour and a beep, and sends scans to the server. Scans are kept in localStorage
// until the server has answered them, so scans made offline are sent when the connection returns; each scan has
// its own id and the server records a learner once, so sending twice is harmless.
// On the certificate check form (data-scanner="verify") the same camera loop opens the check of what it read.
(function () {
  "use strict";
  var root = document.querySelector("[data-scanner]");
  if (!root || !navigator.mediaDevices || !window.fetch) { return; }
  root.hidden = false;
  var verifyMode = root.dataset.scanner === "verify";
  var video = root.querySelector("video");
  var result = root.querySelector("[data-result]");
  var log = root.querySelector("[data-log]");
  var pendingCount = root.querySelector("[data-pending]");
  var storeKey = "lentera.scans." + root.dataset.sessionId;
  var lastText = "", lastAt = 0, sending = false, detector = null, canvas = null, audio = null;

  function load() { try { return JSON.parse(localStorage.getItem(storeKey)) || []; } catch (e) { return []; } }
  function save(scans) { localStorage.setItem(storeKey, JSON.stringify(scans)); pendingCount.textContent = scans.length; }

  function newId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function beep(ok) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.frequency.value = ok ? 880 : 220;
      osc.type = ok ? "sine" : "square";
      gain.gain.value = 0.2;
      osc.connect(gain); gain.connect(audio.destination);
      osc.start(); osc.stop(audio.currentTime + (ok ? 0.15 : 0.4));
    } catch (e) { /* no sound is not an error */ }
  }

  function show(kind, text) {
    root.dataset.state = kind;
    result.textContent = text;
    var item = document.createElement("li");
    item.className = "scan-" + kind;
    item.textContent = new Date().toLocaleTimeString(document.documentElement.lang) + " · " + text;
    log.insertBefore(item, log.firstChild);
    beep(kind === "recorded" || kind === "already" || kind === "queued");
  }

  function send() {
    var scans = load();
    if (sending || !scans.length) { return; }
    sending = true;
    fetch(root.dataset.marksUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf, Accept: "application/json" },
      body: JSON.stringify({ marks: scans })
    }).then(function (response) {
      if (!response.ok) { throw new Error(response.status); }
      return response.json();
    }).then(function (data) {
      var answered = {};
      data.results.forEach(function (outcome) {
        answered[outcome.scan_id] = true;
        var message = root.dataset["msg" + outcome.result.charAt(0).toUpperCase() + outcome.result.slice(1)];
        show(outcome.result, message + ": " + (outcome.name || "?") + (outcome.message ? " — " + outcome.message : ""));
      });
      save(load().filter(function (scan) { return !answered[scan.scan_id]; }));
    }).catch(function () { /* offline or server away: kept, retried */ })
      .then(function () { sending = false; });
  }

  function found(text) {
    if (verifyMode) {
      window.location.assign(root.dataset.verifyUrl + "?qr=" + encodeURIComponent(text));
      return;
    }
    var now = Date.now();
    if (text === lastText && now - lastAt < 4000) { return; }  // the same card still in front of the camera
    lastText = text; lastAt = now;
    var scans = load();
    scans.push({ scan_id: newId(), qr: text, scanned_at: new Date().toISOString() });
    save(scans);
    if (!navigator.onLine) { show("queued", root.dataset.msgQueued); }
    send();
  }

  function frame() {
    if (video.readyState < 2) { window.requestAnimationFrame(frame); return; }
    if (detector) {
      detector.detect(video).then(function (codes) {
        if (codes.length) { found(codes[0].rawValue); }
        window.setTimeout(frame, 150);
      }).catch(function () { window.setTimeout(frame, 300); });
      return;
    }
    canvas = canvas || document.createElement("canvas");
    canvas.width = video.videoWidth; canvas.height = video.videoHeight;
    var context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    var image = context.getImageData(0, 0, canvas.width, canvas.height);
    var code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
    if (code && code.data) { found(code.data); }
    window.setTimeout(frame, 200);
  }

  function withDecoder(start) {
    if ("BarcodeDetector" in window) {
      window.BarcodeDetector.getSupportedFormats().then(function (formats) {
        if (formats.indexOf("qr_code") >= 0) { detector = new window.BarcodeDetector({ formats: ["qr_code"] }); start(); }
        else { loadJsQR(start); }
      }).catch(function () { loadJsQR(start); });
    } else { loadJsQR(start); }
  }

  function loadJsQR(start) {
    var script = document.createElement("script");
    script.src = root.dataset.jsqrUrl;
    script.onload = start;
    document.head.appendChild(script);
  }

  function startCamera() {
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (stream) {
        video.hidden = false;
        video.srcObject = stream;
        video.play();
        withDecoder(frame);
      })
      .catch(function () { result.textContent = root.dataset.msgNocamera; });
  }

  if (verifyMode) {
    /* The camera opens only when asked: most visitors of the form type a number. */
    var button = root.querySelector("[data-scan-start]");
    button.addEventListener("click", function () { button.hidden = true; startCamera(); });
    return;
  }
  save(load());
  window.addEventListener("online", send);
  window.setInterval(send, 10000);
  startCamera();
  send();
})();
