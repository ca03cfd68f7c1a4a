// Castellan CAPTCHA loader: renders the provider's widget (reCAPTCHA, hCaptcha or Turnstile,
// loaded from the stage's js_url) into #ak-captcha and puts its token into the hidden input.
(function () {
  "use strict";
  function provider() {
    return window.turnstile || window.hcaptcha || window.grecaptcha || null;
  }
  function start() {
    var box = document.getElementById("ak-captcha");
    var input = document.getElementById("ak-captcha-token");
    if (!box || !input) { return; }
    var api = provider();
    if (!api || typeof api.render !== "function") { window.setTimeout(start, 200); return; }
    var form = input.form;
    var invisible = box.dataset.interactive !== "true";
    api.render(box, {
      sitekey: box.dataset.siteKey,
      size: invisible ? "invisible" : "normal",
      callback: function (token) {
        input.value = token;
        if (invisible && form) { form.submit(); }
      }
    });
    if (invisible && typeof api.execute === "function") { api.execute(); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
