// Lesson editor: show the Markdown preview in place, without reloading the page. Without this script the
// "Preview" button submits the form and the server renders the same preview.
(function () {
  "use strict";
  var form = document.querySelector("form.lesson-editor");
  if (!form || !window.fetch) { return; }
  var button = form.querySelector("[data-preview-button]");
  var section = document.getElementById("preview");
  var target = section && section.querySelector("[data-preview-target]");
  if (!button || !target) { return; }
  button.addEventListener("click", function (event) {
    event.preventDefault();
    var token = form.querySelector("input[name=csrf_token]");
    var data = new FormData();
    data.append("body", form.querySelector("textarea[name=body]").value);
    fetch(form.getAttribute("data-preview-url"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: token ? { "X-CSRFToken": token.value } : {}
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.text();
    }).then(function (html) {
      // The server renders and sanitizes the Markdown (nh3), the same HTML learners get.
      target.innerHTML = html;
      section.hidden = false;
      section.scrollIntoView({ behavior: "smooth", block: "start" });
    }).catch(function () {
      form.requestSubmit ? form.requestSubmit(button) : form.submit();
    });
  });
}());
