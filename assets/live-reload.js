// Development only (see src/web/live_reload.rs): reload the page when the server that answers
// is not the one that served it, i.e. after a rebuild and restart.
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !window.EventSource) {
    return;
  }
  var firstBoot = null;
  var events = new EventSource(script.getAttribute("data-url"));
  events.addEventListener("boot", function (event) {
    if (firstBoot === null) {
      firstBoot = event.data;
    } else if (event.data !== firstBoot) {
      events.close();
      window.location.reload();
    }
  });
})();
