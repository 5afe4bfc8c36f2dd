// Development only (see src/web/live_reload.rs): reload the page when the server that answers
// is not the one that served it, i.e. after a rebuild and restart.
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !window.EventSource) {
    return;
  }
  var url = script.getAttribute("data-url");
  var firstBoot = null;
  var events = null;

  function listen() {
    events = new EventSource(url);
    events.addEventListener("boot", function (event) {
      if (firstBoot === null) {
        firstBoot = event.data;
      } else if (event.data !== firstBoot) {
        events.close();
        window.location.reload();
      }
    });
  }

  // A page kept in the back/forward cache keeps its connections: closed on leaving, so that
  // pages left behind never hold the few connections a browser opens to one server.
  window.addEventListener("pagehide", function () {
    if (events) {
      events.close();
      events = null;
    }
  });
  window.addEventListener("pageshow", function () {
    if (!events) {
      listen();
    }
  });
  listen();
})();
