// Passkeys: adding one (account's passkeys page) and signing in with one (login page). The
// browser's WebAuthn API is script-only: on submit of a form inside `[data-passkey]`, fetch
// the options from its `data-options` URL, ask the browser to create or use a passkey, put the
// answer (WebAuthn's JSON, binary fields in base64url) in the form's hidden
// `[data-passkey-answer]` input, and submit the form again, which htmx or the browser sends as any other form.
// Every page loads this once, in `<head>`, and it listens on `document` only: htmx runs no
// script it swaps in, so a page reached by boosted navigation relies on the first load's.
(function () {
  "use strict";

  var MESSAGES = {
    unsupported: "This browser cannot use passkeys. Try another browser, or sign in with your password.",
    cancelled: "No passkey was used: the request was cancelled or timed out.",
    exists: "This device already has a passkey for your account.",
    failed: "Something went wrong. Try again.",
    working: "Follow your browser's instructions…"
  };

  function say(form, text) {
    var status = form.querySelector(".passkey-status");
    if (status) {
      status.textContent = text;
    }
  }

  function fromBase64url(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    var binary = atob(base64 + "===".slice((base64.length + 3) % 4));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) {
      bytes[i] = binary.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i += 1) {
      binary += String.fromCharCode(bytes[i]);
    }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return { type: item.type, id: fromBase64url(item.id), transports: item.transports };
    });
  }

  // The options' JSON as the API takes it: challenge and ids as bytes.
  function creationOptions(json) {
    if (PublicKeyCredential.parseCreationOptionsFromJSON) {
      return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    }
    var options = Object.assign({}, json);
    options.challenge = fromBase64url(json.challenge);
    options.user = Object.assign({}, json.user, { id: fromBase64url(json.user.id) });
    options.excludeCredentials = descriptors(json.excludeCredentials);
    return options;
  }

  function requestOptions(json) {
    if (PublicKeyCredential.parseRequestOptionsFromJSON) {
      return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    }
    var options = Object.assign({}, json);
    options.challenge = fromBase64url(json.challenge);
    options.allowCredentials = descriptors(json.allowCredentials);
    return options;
  }

  // The answer as WebAuthn's JSON (what `toJSON()` gives where browsers have it).
  function answer(credential) {
    var response = credential.response;
    var json = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toBase64url(response.clientDataJSON) }
    };
    if (response.attestationObject) {
      json.response.attestationObject = toBase64url(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = toBase64url(response.authenticatorData);
      json.response.signature = toBase64url(response.signature);
      json.response.userHandle = response.userHandle ? toBase64url(response.userHandle) : null;
    }
    return JSON.stringify(json);
  }

  function fetchOptions(url) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.json().catch(function () {
        return {};
      }).then(function (body) {
        // Sudo mode lapsed: confirm it is you, then come back.
        if (body.confirm) {
          window.location.assign(body.confirm);
        }
        if (!response.ok) {
          var problem = new Error(body.error || (response.status === 429
            ? "Too many attempts: wait a few minutes and try again."
            : MESSAGES.failed));
          problem.name = "ServerRefusal";
          throw problem;
        }
        return body;
      });
    });
  }

  function explain(error) {
    if (error && error.name === "ServerRefusal") {
      return error.message;
    }
    if (error && error.name === "NotAllowedError") {
      return MESSAGES.cancelled;
    }
    if (error && error.name === "InvalidStateError") {
      return MESSAGES.exists;
    }
    if (error && error.name === "NotSupportedError") {
      return MESSAGES.unsupported;
    }
    return MESSAGES.failed;
  }

  // Capture phase: before htmx's boosted-form handler on the form itself, which only sees
  // the second submit, once the answer is in.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var wrapper = form && form.closest ? form.closest("[data-passkey]") : null;
    var input = wrapper ? form.querySelector("input[data-passkey-answer]") : null;
    if (!input || input.value) {
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    if (!window.PublicKeyCredential || !navigator.credentials) {
      say(form, MESSAGES.unsupported);
      return;
    }
    if (form.dataset.passkeyBusy) {
      return;
    }
    form.dataset.passkeyBusy = "1";
    var registering = wrapper.dataset.passkey === "register";
    say(form, MESSAGES.working);
    fetchOptions(wrapper.dataset.options).then(function (json) {
      return registering
        ? navigator.credentials.create({ publicKey: creationOptions(json) })
        : navigator.credentials.get({ publicKey: requestOptions(json) });
    }).then(function (credential) {
      if (!credential) {
        throw Object.assign(new Error("no credential"), { name: "NotAllowedError" });
      }
      input.value = answer(credential);
      say(form, "");
      delete form.dataset.passkeyBusy;
      // The answer is good once: an error page comes back with the input empty again.
      form.requestSubmit();
    }).catch(function (error) {
      delete form.dataset.passkeyBusy;
      say(form, explain(error));
    });
  }, true);
})();
