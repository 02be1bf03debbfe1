/* Lentera service worker: keeps the certificate key set and the verify page's shell so that a verifier without
   signal can still check a certificate's signature. Served from /sw.js so that its scope covers /v/. Only the
   verification paths are answered here; every other request goes to the network untouched. */
"use strict";

var CACHE = "lentera-verify-v2";
var SHELL = "/verify/offline";
var KEYS = "/.well-known/lentera-keys.json";
var KEPT = [SHELL, KEYS, "/static/js/verify.js", "/static/css/lentera.css"];

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) { return cache.addAll(KEPT); }).then(function () {
      return self.skipWaiting();
    })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("lentera-verify-") === 0 && name !== CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

/* The response with the moment it came from the server, so that the offline page can say how old its key set is. */
function stamped(response) {
  return response.clone().blob().then(function (body) {
    var headers = new Headers(response.headers);
    headers.set("X-Lentera-Fetched-At", new Date().toISOString());
    return new Response(body, { status: 200, statusText: "OK", headers: headers });
  });
}

/* Network first, so that a verifier online always sees fresh keys and status; the last good copy is kept for later
   (a 304 from revalidation reaches the page as the browser's own 200, so only whole good answers are kept). */
function networkThenKeep(request, path) {
  return fetch(request).then(function (response) {
    if (response.ok && response.status === 200) {
      var kept = path === KEYS ? stamped(response) : Promise.resolve(response.clone());
      kept.then(function (copy) { return caches.open(CACHE).then(function (cache) { return cache.put(path, copy); }); });
    }
    return response;
  }).catch(function () {
    return caches.match(path);
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && /^\/v\//i.test(url.pathname)) {
    event.respondWith(fetch(request).then(function (response) {
      /* Refresh the shell in the user's current language while there is signal. */
      event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.add(SHELL); }).catch(function () {}));
      return response;
    }).catch(function () {
      return caches.match(SHELL);
    }));
    return;
  }
  if (KEPT.indexOf(url.pathname) !== -1) {
    event.respondWith(networkThenKeep(request, url.pathname));
  }
});
