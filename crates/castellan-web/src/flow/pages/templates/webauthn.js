// Castellan WebAuthn ceremonies on the flow pages. A form with class ak-webauthn carries the
// server's options as JSON (data-webauthn-create: creation options of the setup stage;
// data-webauthn-get: request options of the validation stage). Submitting it, or showing it
// with data-autostart, runs the browser ceremony, puts the credential (base64url JSON, the
// shape authentik's web client posts) into the form's hidden field and posts the form.
(function () {
  "use strict";
  function fromB64url(text) {
    var s = text.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) { s += "="; }
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out.buffer;
  }
  function toB64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var bin = "";
    for (var i = 0; i < bytes.length; i++) { bin += String.fromCharCode(bytes[i]); }
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function withIds(list) {
    return (list || []).map(function (c) { return Object.assign({}, c, { id: fromB64url(c.id) }); });
  }
  function creationOptions(o) {
    return Object.assign({}, o, {
      challenge: fromB64url(o.challenge),
      user: Object.assign({}, o.user, { id: fromB64url(o.user.id) }),
      excludeCredentials: withIds(o.excludeCredentials)
    });
  }
  function requestOptions(o) {
    return Object.assign({}, o, {
      challenge: fromB64url(o.challenge),
      allowCredentials: withIds(o.allowCredentials)
    });
  }
  function registration(cred) {
    var r = cred.response;
    return {
      id: cred.id, rawId: toB64url(cred.rawId), type: cred.type,
      response: {
        clientDataJSON: toB64url(r.clientDataJSON),
        attestationObject: toB64url(r.attestationObject),
        transports: r.getTransports ? r.getTransports() : []
      },
      clientExtensionResults: cred.getClientExtensionResults()
    };
  }
  function assertion(cred) {
    var r = cred.response;
    return {
      id: cred.id, rawId: toB64url(cred.rawId), type: cred.type,
      response: {
        clientDataJSON: toB64url(r.clientDataJSON),
        authenticatorData: toB64url(r.authenticatorData),
        signature: toB64url(r.signature),
        userHandle: r.userHandle ? toB64url(r.userHandle) : null
      },
      clientExtensionResults: cred.getClientExtensionResults()
    };
  }
  function field(form) {
    return form.querySelector("input[name=response], input[name=webauthn]");
  }
  var running = false;
  function run(form) {
    var status = form.querySelector(".ak-webauthn-status");
    if (running) { return; }
    if (!window.PublicKeyCredential || !navigator.credentials) {
      status.textContent = "This browser does not support security keys or passkeys.";
      status.classList.add("ak-error");
      return;
    }
    running = true;
    var create = form.getAttribute("data-webauthn-create");
    var ceremony = create
      ? navigator.credentials.create({ publicKey: creationOptions(JSON.parse(create)) }).then(registration)
      : navigator.credentials.get({ publicKey: requestOptions(JSON.parse(form.getAttribute("data-webauthn-get"))) }).then(assertion);
    ceremony.then(function (credential) {
      running = false;
      field(form).value = JSON.stringify(credential);
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    }).catch(function (err) {
      running = false;
      status.textContent = "Your browser did not complete the request (" + (err && err.name || "error") + "). Try again.";
      status.classList.add("ak-error");
    });
  }
  // Runs before the page enhancement's own submit handler: an empty credential field means
  // the ceremony has to happen first.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("ak-webauthn")) { return; }
    var input = field(form);
    if (!input || input.value) { return; }
    event.preventDefault();
    event.stopImmediatePropagation();
    run(form);
  }, true);
  function scan() {
    var form = document.querySelector("form.ak-webauthn[data-autostart]");
    if (form) { run(form); }
  }
  document.addEventListener("castellan:page", scan);
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", scan); } else { scan(); }
})();
