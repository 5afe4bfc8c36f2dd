// The upload form's extras: a progress bar while the files are sent, files dropped onto the
// form, and the size checked before anything is sent. Every page loads it once, in `<head>`,
// and it only listens on `document`: htmx runs no script it swaps in, so the files page
// reached by boosted navigation relies on listeners set up by whichever page loaded first.
// A file of its own because the Content Security Policy forbids inline script and `hx-on`.
// Without script the form still works: a plain multipart form, answered with a redirect.
(function () {
  "use strict";

  function uploadForm(element) {
    return element && element.closest ? element.closest("[data-upload-form]") : null;
  }

  function dropZone(element) {
    return element && element.closest ? element.closest("[data-drop-zone]") : null;
  }

  // The form's live region: read out by screen readers as it changes.
  function say(form, text) {
    form.querySelector(".status").textContent = text;
  }

  function showProgress(form, percent) {
    var bar = form.querySelector("progress");
    bar.hidden = percent === null;
    bar.value = percent || 0;
  }

  // Over the limit: said at once, rather than after sending megabytes for a 413.
  document.addEventListener("htmx:confirm", function (event) {
    var form = uploadForm(event.target);
    if (!form) {
      return;
    }
    var total = 0;
    Array.prototype.forEach.call(form.querySelector("input[type=file]").files, function (file) {
      total += file.size;
    });
    if (total > Number(form.dataset.maxBytes)) {
      event.preventDefault();
      say(form, "That is too large: files can be at most " + form.dataset.maxLabel +
        ", together when you send several at once.");
    }
  });

  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = uploadForm(event.target);
    if (!form || !event.detail.lengthComputable) {
      return;
    }
    var percent = Math.floor((event.detail.loaded / event.detail.total) * 100);
    showProgress(form, percent);
    // Announced in steps of ten, not at every event.
    if (percent % 10 === 0) {
      say(form, "Uploading: " + percent + "%");
    }
  });

  // On success the page's content is replaced; on failure the form stays, ready again.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = uploadForm(event.target);
    if (form) {
      showProgress(form, null);
      say(form, "");
    }
  });

  // On a page with a drop zone, a file dropped beside it is refused rather than opened by
  // the browser in place of the app.
  function pageTakesDrops() {
    return document.querySelector("[data-drop-zone]") !== null;
  }

  document.addEventListener("dragover", function (event) {
    var zone = dropZone(event.target);
    if (zone) {
      event.preventDefault();
      zone.classList.add("__dragging");
    } else if (pageTakesDrops()) {
      event.preventDefault();
      if (event.dataTransfer) {
        event.dataTransfer.dropEffect = "none";
      }
    }
  });

  document.addEventListener("dragleave", function (event) {
    var zone = dropZone(event.target);
    if (zone && !zone.contains(event.relatedTarget)) {
      zone.classList.remove("__dragging");
    }
  });

  // Files dropped onto the form are sent at once, as if chosen and submitted.
  document.addEventListener("drop", function (event) {
    var zone = dropZone(event.target);
    if (!zone && pageTakesDrops()) {
      event.preventDefault();
      return;
    }
    if (!zone || !event.dataTransfer || event.dataTransfer.files.length === 0) {
      return;
    }
    event.preventDefault();
    zone.classList.remove("__dragging");
    zone.querySelector("input[type=file]").files = event.dataTransfer.files;
    uploadForm(zone).requestSubmit();
  });
})();
