// The service worker: one complete copy of the site per deploy, so a second visit loads from it, with no network.
// build.py fills in VERSION (the Pyodide version, the wheel's hash and a hash of every file) and FILES (every file
// of the site, relative to this one), so a new deploy is a new cache and every fetch of a visit is served from the
// copy that visit started with: old and new files never mix. URLs are relative: the site works at any sub-path.

const VERSION = '__VERSION__';
const FILES = ['__FILES__'];
const CACHE = `microgpt-${VERSION}`;
const scope = new URL('./', self.location.href);

self.addEventListener('install', (event) => {
  // from the HTTP cache where it is fresh (the first visit has just fetched everything), else from the network
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(['./', ...FILES])));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('microgpt-') && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// a page that finds this copy waiting at its start asks it to take over (offline.js), then reloads
self.addEventListener('message', (event) => {
  if (event.data === 'take-over') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return;
  // the page's own URL, with or without index.html, a query or a hash, is the cached page
  const path = url.pathname.slice(scope.pathname.length);
  const key = path === '' || path === 'index.html' ? './' : path;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const cached = await cache.match(new URL(key, scope).href);
    return cached ?? fetch(event.request);
  })());
});
