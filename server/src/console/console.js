// The office console's one script. On pages marked data-live="1" it listens
// to /events (server-sent events: the server announces every stored change
// to the user's estates) and fetches the page again, replacing only the
// part inside #live, so a record a device just synced shows without a
// reload; a form marked data-keep keeps what is typed in it. The stream is
// closed when the page is hidden (navigated away from, or kept in the
// back-forward cache) and opened again when it is shown: a browser allows
// only 6 connections to one host, and streams held by cached pages would
// otherwise fill them and freeze every click. Nothing else runs; forms work
// without it.
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
          replaceLive(live, fresh);
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

  // Puts the fresh content in place, except that a form part marked
  // data-keep that is still offered stays as it is: what someone is typing
  // (or the image they chose) is not wiped by another device's sync. A
  // part no longer offered goes with the rest.
  function replaceLive(live, fresh) {
    var kept = {};
    live.querySelectorAll("[data-keep][id]").forEach(function (node) {
      kept[node.id] = node;
    });
    var next = document.importNode(fresh, true);
    next.querySelectorAll("[data-keep][id]").forEach(function (part) {
      if (kept[part.id]) {
        part.replaceWith(kept[part.id]);
      }
    });
    live.replaceChildren.apply(live, Array.prototype.slice.call(next.childNodes));
  }

  var source = null;

  function connect() {
    if (source) {
      return;
    }
    source = new EventSource("/events");
    source.addEventListener("open", function () {
      body.dataset.connected = "1";
    });
    source.addEventListener("feed", function (event) {
      body.dataset.feed = event.data;
      clearTimeout(timer);
      timer = setTimeout(refresh, 50);
    });
  }

  function disconnect() {
    clearTimeout(timer);
    if (source) {
      source.close();
      source = null;
    }
    body.dataset.connected = "0";
  }

  window.addEventListener("pagehide", disconnect);
  window.addEventListener("pageshow", function (event) {
    connect();
    // A page restored from the back-forward cache missed what happened
    // while it was hidden.
    if (event.persisted) {
      refresh();
    }
  });
  connect();
})();
