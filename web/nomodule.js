// Run only by a browser without JavaScript modules (or module workers), which cannot run this page: say so.
/** @type {HTMLElement} */ (document.getElementById('status')).textContent =
  'This browser is too old to run the page (it has no JavaScript modules): try a recent Chrome, Firefox or Safari.';
/** @type {HTMLElement} */ (document.getElementById('load-hint')).style.display = 'none';
