// Castellan Duo activation on the flow pages. The Duo setup form (class ak-duo-enroll) names
// the enrolment's status endpoint in data-duo-status; every two seconds the page asks it (a
// same-origin POST with the x-authentik-csrf header echoing the authentik_csrf cookie) and
// posts the form by itself as soon as Duo reports the activation (`success`). `invalid` stops
// the asking and shows the form's data-duo-invalid message. Without JavaScript the user
// presses Continue, which works the same with it.
(function () {
  "use strict";
  var INTERVAL = 2000;
  function csrf(form) {
    var match = document.cookie.match(/(?:^|;\s*)authentik_csrf=([^;]*)/);
    if (match && match[1]) { return decodeURIComponent(match[1]); }
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function invalid(form) {
    var status = form.querySelector(".ak-duo-status");
    if (!status) { return; }
    status.textContent = form.getAttribute("data-duo-invalid") || "";
    status.classList.add("ak-error");
  }
  function submit(form) {
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  }
  function later(form) {
    setTimeout(function () { ask(form); }, INTERVAL);
  }
  // One question to the status endpoint; stops once the form has left the page.
  function ask(form) {
    if (!form.isConnected) { return; }
    fetch(form.getAttribute("data-duo-status"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "x-authentik-csrf": csrf(form), "Accept": "application/json" }
    }).then(function (res) {
      return res.ok ? res.json() : null;
    }).then(function (body) {
      if (!form.isConnected) { return; }
      var status = body && body.duo_response;
      if (status === "success") { submit(form); return; }
      if (status === "invalid") { invalid(form); return; }
      later(form);
    }).catch(function () {
      later(form);
    });
  }
  function scan() {
    var form = document.querySelector("form.ak-duo-enroll[data-duo-status]");
    if (!form || form.getAttribute("data-duo-polling")) { return; }
    form.setAttribute("data-duo-polling", "on");
    later(form);
  }
  document.addEventListener("castellan:page", scan);
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", scan); } else { scan(); }
})();
