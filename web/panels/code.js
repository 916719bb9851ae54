// The Code panel: the package's modules as the worker's Python has them, in an editor (CodeMirror, loaded when the
// panel is first opened). Edits are kept in this browser and handed to the shell (`app.setCode`), which sends them
// with the next Train or Open: the worker writes them over the installed modules and imports the package afresh. An
// error of the edited code (the worker's `cause: 'code'`) is shown here with Python's traceback and its line marked.

import { place } from '../app.js';
import { byId, quote, saveFile } from '../dom.js';

const STORAGE_KEY = 'microgpt-code'; // the edited modules, {name: text}, in localStorage
const SAVE_AFTER_MS = 300; // edits are kept this long after the last keystroke
const MODULE_NAME = /^[\w.]{1,40}\.py$/;

/** @typedef {import('../protocol.js').Edits} Edits */
/** @typedef {import('../protocol.js').CodeFailure} CodeFailure */

/** @param {import('../app.js').App} app */
export function mountCode(app) {
  const ui = {
    panel: /** @type {HTMLDetailsElement} */ (byId('code-panel')), summary: byId('code-summary'),
    file: /** @type {HTMLSelectElement} */ (byId('code-file')), diff: /** @type {HTMLButtonElement} */ (byId('code-diff')),
    restoreFile: /** @type {HTMLButtonElement} */ (byId('code-restore-file')),
    restore: /** @type {HTMLButtonElement} */ (byId('code-restore')),
    download: /** @type {HTMLButtonElement} */ (byId('code-download')),
    status: byId('code-status'), error: byId('code-error'), errorText: byId('code-error-text'),
    traceback: byId('code-traceback'), editorBox: byId('code-editor'), terminal: byId('code-terminal'),
  };
  /** @type {Edits} */
  let edits = load();
  /** @type {{modules: string[], originals: Edits} | null} */
  let code = null; // the modules as installed, once the worker has sent them
  let asked = false; // the worker was asked for them
  /** @type {import('../editor.js').Editor | null} the CodeMirror wrapper (web/editor.js), once loaded */
  let editor = null;
  /** @type {Promise<void> | null} */
  let loading = null;
  /** @type {CodeFailure | null} the code failure shown */
  let failure = null;
  let saveTimer = 0;
  let problem = ''; // said in the status instead: edits the browser would not keep, a package that could not be made
  app.setCode(edits);

  // ---- opening: the modules from the worker, the editor from the site ----

  ui.panel.addEventListener('toggle', () => {
    if (ui.panel.open) start();
  });
  app.on('ready', () => { // a restarted worker: ask it, if the one before had not answered
    asked = false;
    if (ui.panel.open && !code) ask();
  });
  app.on('code', (/** @type {import('../protocol.js').Code} */ message) => {
    code = { modules: message.modules, originals: message.originals };
    fillFiles();
    show();
  });

  function start() {
    if (!code) ask();
    loading ??= import('../editor.js').then(({ createEditor }) => createEditor(ui.editorBox, {
      label: 'Python source of the chosen module', onChange: (text) => edited(text),
    })).then((created) => {
      editor = created;
      show();
    }, (error) => {
      loading = null;
      ui.status.textContent = `The editor could not load (${error?.message ?? error}). Reload the page to try again.`;
    });
  }

  function ask() {
    if (!app.python || asked) return;
    asked = true;
    app.send({ type: 'code' });
  }

  function fillFiles() {
    if (!code) return;
    const chosen = ui.file.value || code.modules[0];
    ui.file.replaceChildren(...code.modules.map((name) => {
      const option = document.createElement('option');
      option.value = name;
      option.textContent = name in edits ? `${name} (edited)` : name;
      return option;
    }));
    ui.file.value = chosen;
  }

  /** The chosen module in the editor: its edited text or the installed one. */
  function show() {
    if (!editor || !code) return;
    const name = ui.file.value;
    editor.show(name, edits[name] ?? code.originals[name], code.originals[name]);
    markFailure();
    app.render();
  }

  ui.file.addEventListener('change', () => show());

  // ---- editing ----

  /** @param {string} text */
  function edited(text) {
    if (!code) return; // typed in the editor before the modules came: show() replaces the text when they come
    const name = ui.file.value;
    const before = name in edits;
    if (text === code.originals[name]) {
      const { [name]: _, ...rest } = edits;
      edits = rest;
    } else {
      edits = { ...edits, [name]: text };
    }
    if (before !== name in edits) fillFiles();
    app.setCode(edits);
    clearTimeout(saveTimer);
    saveTimer = setTimeout(save, SAVE_AFTER_MS);
  }

  ui.diff.addEventListener('click', () => {
    const on = ui.diff.getAttribute('aria-pressed') !== 'true';
    ui.diff.setAttribute('aria-pressed', String(on));
    editor?.showDiff(on); // enabled once the editor is there
  });
  // the button pressed disables itself: keyboard focus goes on to the module list
  ui.restoreFile.addEventListener('click', () => {
    restore([ui.file.value]);
    ui.file.focus();
  });
  ui.restore.addEventListener('click', () => {
    restore(Object.keys(edits));
    ui.file.focus();
  });

  /** @param {string[]} names */
  function restore(names) {
    edits = Object.fromEntries(Object.entries(edits).filter(([name]) => !names.includes(name)));
    app.setCode(edits);
    save();
    if (code) {
      fillFiles();
      show();
    }
    ui.status.textContent = `Restored ${names.join(', ')} as installed.`;
  }

  let packing = false; // one zip at a time; the button stays focusable meanwhile
  ui.download.addEventListener('click', () => {
    if (packing) return;
    packing = true;
    app.send({ type: 'package', code: edits });
    app.render();
  });
  app.on('package', (/** @type {import('../protocol.js').Package} */ message) => {
    packing = false;
    saveFile(message.name, message.bytes, 'application/zip');
    app.render();
  });
  app.on('error', (/** @type {import('../protocol.js').WorkerError} */ { context, message }) => {
    if (context !== 'package') return;
    packing = false;
    problem = `Could not make the package: ${message}.`;
    app.render();
  });
  app.on('ready', () => { packing = false; }); // a restarted worker forgot the request

  // ---- keeping the edits in this browser ----

  /** @returns {Edits} */
  function load() {
    try {
      const kept = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}');
      // what the browser kept is checked as any input: a dict of module names to texts, else nothing
      const valid = kept && typeof kept === 'object' && !Array.isArray(kept) &&
        Object.entries(kept).every(([name, text]) => MODULE_NAME.test(name) && typeof text === 'string');
      return valid ? kept : {};
    } catch {
      return {};
    }
  }

  function save() {
    clearTimeout(saveTimer);
    try {
      if (Object.keys(edits).length) localStorage.setItem(STORAGE_KEY, JSON.stringify(edits));
      else localStorage.removeItem(STORAGE_KEY);
      problem = '';
    } catch (error) {
      problem = `Your edits could not be kept in this browser (${error?.message ?? error}): download the ` +
        'modified package to keep them.';
    }
    app.render();
  }
  // the last keystrokes before the tab goes are kept too
  addEventListener('pagehide', () => { if (saveTimer) save(); });

  // ---- errors of the edited code ----

  /**
   * The failure the shell received: its message and traceback here, its file chosen and its line marked.
   * @param {CodeFailure | null} found
   */
  function showFailure(found) {
    failure = found;
    ui.error.hidden = !found;
    if (!found) return editor?.clearError();
    const where = place(found.where);
    ui.errorText.textContent = found.call
      ? `The page calls \`${quote(found.call, 120)}\` (in its session.py), which your edited code no longer ` +
        `answers: ${found.message}. Restore the file, or fix the edit, and train again.`
      : `Your edited code failed${where}: ${found.message}. Fix it, or restore the file, and train again.`;
    ui.traceback.textContent = found.traceback; // Python's text, the user's code quoted in it: text only
    ui.panel.open = true; // opens the editor too (the toggle event)
    if (found.where && code?.modules.includes(found.where.file) && ui.file.value !== found.where.file) {
      ui.file.value = found.where.file;
      show();
    } else {
      markFailure();
    }
  }

  function markFailure() {
    if (!editor) return;
    const where = failure?.where;
    if (where && where.file === ui.file.value && where.line) editor.markError(where.line);
    else editor.clearError();
  }

  // ---- drawing ----

  app.onRender((/** @type {import('../app.js').App['state']} */ state) => {
    if (state.code !== edits) { // the shell was given other code (a checkpoint's, which the user chose to use)
      edits = state.code;
      save();
      if (code) {
        fillFiles();
        show();
      }
    }
    if (state.codeFailure !== failure) showFailure(state.codeFailure);
    if (ui.panel.open && !code) ask();
    const names = Object.keys(edits);
    const live = state.phase !== 'loading' && state.phase !== 'crashed';
    setText(ui.summary, names.length ? `edited: ${names.join(', ')}` : 'the package as installed');
    ui.file.disabled = !code || !editor;
    ui.diff.disabled = !editor;
    ui.restoreFile.disabled = !(ui.file.value in edits);
    ui.restore.disabled = names.length === 0;
    ui.download.disabled = !(live && names.length);
    ui.download.setAttribute('aria-busy', String(packing));
    ui.terminal.hidden = names.length === 0;
    if (!code || !editor) return;
    const used = state.run ? (state.run.code.length ? `edited code (${state.run.code.join(', ')})` : 'the installed code')
      : null;
    setText(ui.status, problem || [
      names.length ? `Edited: ${names.join(', ')}. The next Train runs your code.` : 'No edits: the package as installed.',
      used && `The run on screen uses ${used}.`,
    ].filter(Boolean).join(' '));
  });
}

/**
 * Change a text only when it changes: a live region reads every change out.
 * @param {HTMLElement} node @param {string} text
 */
function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}
