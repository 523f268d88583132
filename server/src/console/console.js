// The office console's one script. On pages marked data-live="1" it listens
// to /events (server-sent events: the server announces every stored change
// to the user's estates) and fetches the page again, replacing only the
// part inside #live, so a record a device just synced shows without a
// reload. Nothing else runs; forms work without it.
(function () {
  "use strict";
  var body = document.body;
  if (body.dataset.live !== "1" || !window.EventSource) {
    return;
  }
  var status = document.getElementById("live-status");
  var timer = null;
  var busy = false;
  var again = false;

  function refresh() {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    if (status) {
      status.textContent = status.dataset.updating;
    }
    fetch(location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.redirected || !response.ok) {
          throw new Error("refresh failed: " + response.status);
        }
        return response.text();
      })
      .then(function (text) {
        var fresh = new DOMParser()
          .parseFromString(text, "text/html")
          .getElementById("live");
        var live = document.getElementById("live");
        if (fresh && live) {
          live.innerHTML = fresh.innerHTML;
        }
        body.dataset.refreshes = String(Number(body.dataset.refreshes || "0") + 1);
        if (status) {
          status.textContent = status.dataset.updated + " " + new Date().toLocaleTimeString();
        }
      })
      .catch(function () {})
      .then(function () {
        busy = false;
        if (again) {
          again = false;
          refresh();
        }
      });
  }

  var source = new EventSource("/events");
  source.addEventListener("open", function () {
    body.dataset.connected = "1";
  });
  source.addEventListener("feed", function (event) {
    body.dataset.feed = event.data;
    clearTimeout(timer);
    timer = setTimeout(refresh, 50);
  });
})();
