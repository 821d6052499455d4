/* The service worker: pages and their files from the network when it answers (kept for later),
 * from what was kept when it does not, so a page opened before still opens offline; and the
 * offline queue sent by background sync where the browser has it (the pages also send it on
 * their "online" event, since not every browser has background sync). */
"use strict";
importScripts("/static/queue.js");

var CACHE = "ward5s-pages-v3";
var SHELL = ["/static/app.css", "/static/queue.js", "/static/photos.js", "/static/audit.js", "/static/kiosk.js", "/static/session.js"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); }));
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
    }).then(function () { return self.clients.claim(); })
  );
});

/* The pages that work offline and their files; nothing else is kept (sign-in, the "+" form). */
function keptForOffline(path) {
  return path.indexOf("/static/") === 0 || path === "/audit" || path === "/kiosk" || path.indexOf("/qr/") === 0;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (!keptForOffline(url.pathname)) return;
  event.respondWith(
    fetch(request).then(function (answer) {
      if (answer.ok && !answer.redirected) {
        var copy = answer.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return answer;
    }, function () {
      return caches.match(request).then(function (kept) {
        return kept || caches.match(request, { ignoreSearch: true });
      }).then(function (kept) { return kept || Response.error(); });
    })
  );
});

self.addEventListener("sync", function (event) {
  if (event.tag === Ward5sQueue.LOCK) event.waitUntil(Ward5sQueue.flush());
});
