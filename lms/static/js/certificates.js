// "Sertifikat saya": a copy button for the verification link. Without this script the link stays selectable text
// and a plain link, and the button stays hidden.
(function () {
  "use strict";
  var box = document.querySelector("[data-share]");
  if (!box) { return; }
  var input = box.querySelector("[data-share-link]");
  var button = box.querySelector("[data-copy]");
  var status = box.querySelector("[data-copy-status]");
  if (!input || !button) { return; }

  function copied(ok) {
    status.textContent = ok ? button.dataset.copied : button.dataset.failed;
  }

  function fallbackCopy() {
    input.focus();
    input.select();
    try { copied(document.execCommand("copy")); } catch (error) { copied(false); }
  }

  button.hidden = false;
  button.addEventListener("click", function () {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(function () { copied(true); }, fallbackCopy);
    } else {
      fallbackCopy();
    }
  });
  input.addEventListener("focus", function () { input.select(); });
}());
