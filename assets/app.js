// What the pages need that HTML alone cannot do. A file of its own, loaded with `defer`
// after htmx, because the Content Security Policy forbids inline script and `hx-on`.
(function () {
  "use strict";

  // A form that comes back with errors starts with an error summary: focus it, so that the
  // browser scrolls it into view and screen readers read it, wherever the form sits on a
  // long page. On load, and whenever htmx brings new content that has one.
  function focusErrorSummary(root) {
    var summary = root.matches && root.matches("[data-error-summary]")
      ? root
      : root.querySelector && root.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
  }

  focusErrorSummary(document);
  document.addEventListener("htmx:load", function (event) {
    if (event.target !== document.body) {
      focusErrorSummary(event.target);
    }
  });

  // The on-blur check replaces a whole form field with the server's rendering of it. The
  // server never sends a password back, and the user may have typed on while the check was
  // under way: the new input takes what is in the old one now.
  var typed = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var input = target && target.classList && target.classList.contains("form-field")
      ? target.querySelector("input[id]")
      : null;
    typed = input ? { id: input.id, value: input.value } : null;
  });
  document.addEventListener("htmx:afterSwap", function () {
    if (typed) {
      var input = document.getElementById(typed.id);
      if (input) {
        input.value = typed.value;
      }
      typed = null;
    }
  });
})();
