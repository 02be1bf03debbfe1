// Facilitator's scanner: reads learners' personal QR codes with the camera (BarcodeDetector, else the vendored
// jsQR), answers each with a colour and a beep, and sends scans to the server through the offline outbox
// (offline_outbox.js): scans made offline are sent when the connection returns, and sending one twice is harmless.
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
  var lastText = "", lastAt = 0, detector = null, canvas = null, audio = null, outbox = null;

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
    window.LenteraOutbox.logLine(log, kind, text);
    beep(kind === "recorded" || kind === "already" || kind === "queued");
  }

  function found(text) {
    if (verifyMode) {
      window.location.assign(root.dataset.verifyUrl + "?qr=" + encodeURIComponent(text));
      return;
    }
    var now = Date.now();
    if (text === lastText && now - lastAt < 4000) { return; }  // the same card still in front of the camera
    lastText = text; lastAt = now;
    if (!navigator.onLine) { show("queued", root.dataset.msgQueued); }
    outbox.add({ qr: text, scanned_at: new Date().toISOString() });
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
  if (!window.LenteraOutbox) { return; }
  outbox = window.LenteraOutbox.create({
    storeKey: "lentera.scans." + root.dataset.sessionId,
    url: root.dataset.marksUrl,
    csrf: root.dataset.csrf,
    field: "marks",
    idName: "scan_id",
    pending: root.querySelector("[data-pending]"),
    every: 10000,
    answered: function (outcome) {
      var message = root.dataset["msg" + outcome.result.charAt(0).toUpperCase() + outcome.result.slice(1)];
      show(outcome.result, message + ": " + (outcome.name || "?") + (outcome.message ? " — " + outcome.message : ""));
    }
  });
  outbox.start();
  startCamera();
})();
