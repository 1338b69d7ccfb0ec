// jobctl dashboard: a little script where it helps; every page reads without it.
(function () {
  "use strict";
  // Follow a running run's log over server-sent events, then reload for its final record.
  var log = document.querySelector("pre[data-follow]");
  if (log && window.EventSource) {
    var source = new EventSource(log.dataset.follow + "?offset=" + encodeURIComponent(log.dataset.offset || "0"));
    source.onmessage = function (event) {
      var atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
      log.appendChild(document.createTextNode(event.data + "\n"));
      if (atEnd) { log.scrollTop = log.scrollHeight; }
    };
    source.addEventListener("end", function () {
      source.close();
      window.setTimeout(function () { window.location.reload(); }, 300);
    });
  }
  // The calendar in the viewer's own zone unless a zone was chosen.
  var zone = document.querySelector("input[data-viewer-zone]");
  if (zone && !new URLSearchParams(window.location.search).has("zone")) {
    var tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (tz && tz !== zone.value) {
      var params = new URLSearchParams(window.location.search);
      params.set("zone", tz);
      window.location.replace("/calendar?" + params.toString());
    }
  }
  // Lists refresh themselves while visible.
  var refresh = document.querySelector("[data-autorefresh]");
  if (refresh) {
    window.setInterval(function () {
      if (document.visibilityState === "visible" && !document.activeElement.matches("input, select")) { window.location.reload(); }
    }, 1000 * Number(refresh.dataset.autorefresh));
  }
})();
