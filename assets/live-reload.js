// Development only (see src/web/live_reload.rs): reload the page when the server that answers
// is not the one that served it, i.e. after a rebuild and restart.
//
// One stream per tab: over HTTP/1.1 a browser opens six connections to a server and each
// open stream holds one. A signed-in page already holds the live stream (`/live`), whose
// greeting carries the boot id as its event id; only a page without it opens the boot stream
// of its own. A hidden tab gives its own stream back until it is shown again (app.js does the
// same for the live stream).
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !window.EventSource) {
    return;
  }
  var url = script.getAttribute("data-url");
  var firstBoot = null;
  var own = null;

  function heard(boot) {
    if (!boot) {
      return;
    }
    if (firstBoot === null) {
      firstBoot = boot;
    } else if (boot !== firstBoot) {
      window.location.reload();
    }
  }

  // For tests: which stream this page hears restarts on.
  function say(via) {
    script.setAttribute("data-listening", via);
  }

  function hasLiveStream() {
    return document.querySelector("[data-sse-connect]") !== null;
  }

  function openOwn() {
    if (own || hasLiveStream() || document.visibilityState === "hidden") {
      return;
    }
    own = new EventSource(url);
    own.addEventListener("boot", function (event) {
      heard(event.data);
    });
    say("own");
  }

  function closeOwn() {
    if (own) {
      own.close();
      own = null;
      say("none");
    }
  }

  document.addEventListener("htmx:sseOpen", function (event) {
    closeOwn();
    event.detail.source.addEventListener("stream", function (message) {
      heard(message.lastEventId);
    });
    say("live");
  });
  // Boosted navigation may bring a page without the live stream (after logging out).
  document.addEventListener("htmx:afterSettle", openOwn);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      closeOwn();
    } else {
      openOwn();
    }
  });
  // A page kept in the back/forward cache keeps its connections: closed on leaving.
  window.addEventListener("pagehide", closeOwn);
  window.addEventListener("pageshow", openOwn);
  openOwn();
})();
