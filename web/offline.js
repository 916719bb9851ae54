// The site offline: registers the service worker (sw.js, made by build.py with the list of every file and their
// hashes), which keeps one complete copy of the site, so the second visit loads from it and works with no network.
// A new deploy is found at each visit and installed beside the old copy, which serves every tab until the last one
// closes; the next visit is the new deploy's, whole: old and new files never mix.

/** @param {import('./app.js').App} app @param {HTMLElement} note */
export function registerOffline(app, note) {
  if (!('serviceWorker' in navigator)) return;
  if (navigator.serviceWorker.controller) ready(); // this visit is served from the copy
  // Registered once the page has been idle for a moment after Python is ready (or the first run has paused or
  // ended), so that filling the copy (15 MB read, hashed and stored) slows neither the first download nor training
  // on a machine with few cores; it fills from the browser's HTTP cache.
  let registered = false;
  let timer = 0;
  app.onRender((/** @type {import('./app.js').App['state']} */ { phase }) => {
    const idle = phase === 'ready' || phase === 'paused' || phase === 'stopped' || phase === 'done';
    if (registered || !idle) {
      clearTimeout(timer);
      timer = 0;
    } else if (!timer) {
      timer = setTimeout(register, IDLE_MS);
    }
  });

  function ready() {
    note.textContent = 'This page works offline: it is kept in your browser.';
    note.dataset.offline = 'ready';
  }

  function register() {
    registered = true;
    // sw.js always asked of the server, never of the HTTP cache (GitHub Pages lets it keep files 10 minutes): a new
    // deploy is found at the next visit
    navigator.serviceWorker.register(new URL('./sw.js', import.meta.url), { updateViaCache: 'none' }).then(async () => {
      await navigator.serviceWorker.ready;
      ready();
    }, (error) => {
      note.textContent = `This page cannot work offline here (${error.message}).`;
    });
  }
}

/** How long the page waits, idle, before it keeps a copy of itself. */
const IDLE_MS = 3000;
