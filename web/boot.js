// The page's start: make sure what main.js and its imports need is there, then load them; if anything fails while the
// page starts (a module that throws, one the server does not have, a blocked script), say so on the page, rather
// than showing "Loading the Python runtime…" for ever.

const status = /** @type {HTMLElement} */ (document.getElementById('status'));

// A browser in a container with LANG=C reports the language "C", which is no language tag: uPlot's module formats
// numbers for navigator.language when it loads, and throws. Such a page speaks US English instead.
try {
  new Intl.NumberFormat(navigator.language);
} catch {
  Object.defineProperty(navigator, 'language', { get: () => 'en-US', configurable: true });
}

import('./main.js').catch((error) => {
  status.textContent = `The page could not start (${String(error?.message ?? error).slice(0, 200)}). Reload it; if ` +
    'this persists, try a recent Chrome, Firefox or Safari.';
  status.dataset.phase = 'crashed';
  document.getElementById('load-hint')?.remove();
});
