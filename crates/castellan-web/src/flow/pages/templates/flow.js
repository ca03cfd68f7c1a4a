// Castellan flow pages, enhanced: with JavaScript on, a stage's form is posted in the background
// and the next stage replaces the page's content in place (no full reload); focus moves to the
// first field in error, or the first input. Pages that need their own scripts (CAPTCHA widgets),
// file uploads, forms leaving the flow and any failure fall back to the plain form post. An
// auto-submitting form (ak-stage-autosubmit) is posted as soon as it is shown. Each swapped-in
// page is announced with a `castellan:page` event (the WebAuthn ceremonies listen for it).
(function () {
  "use strict";
  var HEADER = "X-Castellan-Page";
  function enhanceable(form) {
    if (!form.classList.contains("ak-form") || form.enctype === "multipart/form-data") { return false; }
    if ((form.method || "").toLowerCase() !== "post") { return false; }
    var url = new URL(form.action, location.href);
    return url.origin === location.origin && url.pathname.indexOf("/if/flow/") === 0;
  }
  function focusFirst() {
    var target = document.querySelector("[aria-invalid=true]") ||
      document.querySelector(".ak-card [autofocus]") ||
      document.querySelector(".ak-card input:not([type=hidden]):not([hidden]), .ak-card select, .ak-card textarea, .ak-card button");
    if (target) { target.focus(); }
  }
  function swap(html, url) {
    var next = new DOMParser().parseFromString(html, "text/html");
    var scripts = Array.prototype.map.call(document.scripts, function (s) { return s.src; });
    var needsScript = Array.prototype.some.call(next.querySelectorAll("script[src]"), function (s) {
      return scripts.indexOf(s.src) < 0;
    });
    if (needsScript || !next.body || !next.querySelector(".ak-card")) {
      location.assign(url);
      return;
    }
    document.title = next.title;
    document.body.className = next.body.className;
    document.body.replaceChildren.apply(document.body, Array.prototype.slice.call(next.body.childNodes));
    history.replaceState(null, "", url);
    focusFirst();
    autosubmit();
    document.dispatchEvent(new Event("castellan:page"));
  }
  // ak-stage-autosubmit: post the form to the application at once, as authentik does.
  function autosubmit() {
    var form = document.querySelector("form[data-autosubmit]");
    if (form) { form.submit(); }
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !enhanceable(form)) { return; }
    event.preventDefault();
    var data = new FormData(form, event.submitter || undefined);
    var body = new URLSearchParams();
    data.forEach(function (value, key) { body.append(key, value); });
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    var headers = {};
    headers[HEADER] = "fetch";
    fetch(form.action, { method: "POST", body: body, credentials: "same-origin", headers: headers })
      .then(function (res) {
        var to = res.headers.get("X-Castellan-Redirect");
        if (to) { location.assign(to); return; }
        var type = res.headers.get("Content-Type") || "";
        if (type.indexOf("text/html") !== 0) { location.assign(res.url); return; }
        return res.text().then(function (html) { swap(html, res.url); });
      })
      .catch(function () {
        buttons.forEach(function (b) { b.disabled = false; });
        form.submit();
      });
  });
  autosubmit();
})();
