// The site offline: registers the service worker (sw.js, made by build.py with the list of every file and their
// hashes), which keeps one complete copy of the site, so the second visit loads from it and works with no network.
// A new deploy installs beside the old copy and takes over at the next visit, never mixing old and new files.

/** @param {import('./app.js').App} app @param {HTMLElement} note */
export function registerOffline(app, note) {
  if (!('serviceWorker' in navigator)) return;
  // a copy from a deploy installed during an earlier visit: take it now, before this visit has started anything
  navigator.serviceWorker.getRegistration().then((registration) => {
    if (registration?.waiting && navigator.serviceWorker.controller) {
      navigator.serviceWorker.addEventListener('controllerchange', () => location.reload(), { once: true });
      registration.waiting.postMessage('take-over');
    }
  });
  // register once Python is ready, so that the first visit's download is not slowed down: the service worker then
  // fills its copy from the browser's HTTP cache
  let registered = false;
  app.onRender(({ phase }) => {
    if (registered || phase === 'loading' || phase === 'crashed') return;
    registered = true;
    navigator.serviceWorker.register(new URL('./sw.js', import.meta.url)).then(async () => {
      await navigator.serviceWorker.ready;
      note.textContent = 'This page works offline: it is kept in your browser.';
      note.dataset.offline = 'ready';
    }, (error) => {
      note.textContent = `This page cannot work offline here (${error.message}).`;
    });
  });
}
