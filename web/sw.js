// The service worker: one complete copy of the site per deploy, so a second visit loads from it, with no network.
// build.py fills in VERSION (the Pyodide version, the wheel's hash and a hash of every file) and FILES (every file
// of the site, relative to this one, with its sha256), so a new deploy is a new cache and every fetch of a visit is
// served from the copy that visit started with: old and new files never mix. URLs are relative: the site works at
// any sub-path.

const VERSION = '__VERSION__';
/** @type {[string, string][]} each file's path and its Subresource Integrity hash */
// @ts-expect-error: until build.py writes the list in place of its placeholder
const FILES = ['__FILES__'];
const CACHE = `microgpt-${VERSION}`;
// this worker's global scope (the WebWorker lib types `self` as a dedicated worker's)
const sw = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));
const scope = new URL('./', sw.location.href);

sw.addEventListener('install', (event) => {
  // Revalidated with the server (a file the HTTP cache holds and the server still has costs a 304, not a download)
  // and checked against this deploy's hashes, so an old file from a cache on the way fails the install rather than
  // joining the new copy: the visitor keeps the old copy until a later visit finds the new files whole.
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await Promise.all(FILES.map(async ([path, integrity]) => {
      const response = await fetch(new Request(path, { cache: 'no-cache', integrity }));
      if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
      await cache.put(path === 'index.html' ? './' : path, response);
    }));
  })());
});

sw.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('microgpt-') && name !== CACHE) await caches.delete(name);
    }
    await sw.clients.claim();
  })());
});

sw.addEventListener('fetch', (event) => {
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
