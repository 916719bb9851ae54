// Run a script: a single-file microgpt.py (Karpathy's, or a fork) picked, dropped or pasted, run unchanged by the
// worker's Python (microgpt.script) on the page's dataset as its input.txt. Its output streams into a terminal view;
// the shell makes it the run on screen, so its printed losses draw the chart and its samples the names. The script
// is only ever the user's choice: nothing here runs one from a URL, and choosing one starts nothing until Run.

import { byId, quote, saveFile } from '../dom.js';
import { TerminalView } from '../views/terminal.js';

const MAX_SCRIPT_BYTES = 1024 * 1024; // Karpathy's file is 9 kB
const PASTED = 'script.py'; // the name a pasted script runs under (its tracebacks say it)
const CHECK_AFTER_MS = 300; // a pasted script is checked once the typing pauses

/** @param {import('../app.js').App} app */
export function mountScript(app) {
  const ui = {
    section: byId('script'), panel: /** @type {HTMLDetailsElement} */ (byId('script-panel')),
    file: /** @type {HTMLInputElement} */ (byId('script-file')),
    text: /** @type {HTMLTextAreaElement} */ (byId('script-text')),
    exact: /** @type {HTMLInputElement} */ (byId('script-exact')),
    run: /** @type {HTMLButtonElement} */ (byId('script-run')),
    download: /** @type {HTMLButtonElement} */ (byId('download-output')),
    info: byId('script-info'), error: byId('script-error'),
  };
  const terminal = new TerminalView(byId('script-output'));
  /** @type {{name: string, bytes: ArrayBuffer, digest: string} | null} the script chosen */
  let chosen = null;
  /** @type {import('../protocol.js').ScriptChecked | null} what the worker said of it */
  let checked = null;
  /** the run of a script on screen: its stdout as written, for the download, and what it was */
  let output = null;
  /** the last finished run of each script, dataset and exactness: the other exactness's run is compared with it */
  const finished = new Map();
  let checkTimer = 0;

  // ---- choosing: a file, a dropped file, or pasted text ----

  ui.file.addEventListener('change', () => {
    const file = ui.file.files[0];
    ui.file.value = ''; // the same file picked again is a change
    if (file) choose(file);
  });
  ui.section.addEventListener('dragover', (event) => {
    if (event.dataTransfer?.types.includes('Files')) event.preventDefault();
  });
  ui.section.addEventListener('drop', (event) => {
    const file = event.dataTransfer?.files[0];
    if (!file) return;
    event.preventDefault();
    ui.panel.open = true;
    choose(file);
  });
  ui.text.addEventListener('input', () => {
    clearTimeout(checkTimer);
    checkTimer = setTimeout(() => {
      const bytes = new TextEncoder().encode(ui.text.value).buffer;
      if (ui.text.value.trim()) use(PASTED, bytes);
      else forget();
    }, CHECK_AFTER_MS);
  });

  /** @param {File} file */
  async function choose(file) {
    if (file.size > MAX_SCRIPT_BYTES) {
      return refuse(`${quote(file.name)} is ${(file.size / 1024).toFixed(0)} kB; a script here is at most ` +
        `${MAX_SCRIPT_BYTES / 1024} kB.`);
    }
    try {
      ui.text.value = '';
      use(baseName(file.name), await file.arrayBuffer());
    } catch (error) {
      refuse(`Could not read ${quote(file.name)}: ${error?.message ?? error}.`);
    }
  }

  async function use(name, bytes) {
    if (bytes.byteLength > MAX_SCRIPT_BYTES) {
      return refuse(`The pasted script is ${(bytes.byteLength / 1024).toFixed(0)} kB; a script here is at most ` +
        `${MAX_SCRIPT_BYTES / 1024} kB.`);
    }
    const digest = hex(await crypto.subtle.digest('SHA-256', bytes));
    chosen = { name, bytes, digest };
    checked = null;
    ui.error.hidden = true;
    ui.info.textContent = `${quote(name)}: checking…`;
    // the worker says whether it compiles and whether it is the reference (queued behind a running script)
    app.send({ type: 'script-check', name, bytes: bytes.slice(0) });
    app.render();
  }

  function forget() {
    chosen = checked = null;
    ui.info.textContent = 'Choose a script to run.';
    app.render();
  }

  function refuse(message) {
    ui.error.textContent = message;
    ui.error.hidden = false;
    app.render();
  }

  app.on('script-checked', (message) => {
    if (!chosen || message.name !== chosen.name) return;
    checked = message;
    describe();
    app.render();
  });
  ui.exact.addEventListener('change', () => describe());

  /** What will happen when it runs: the reference or not, a syntax error, which functions are made exact. */
  function describe() {
    if (!chosen || !checked) return;
    const parts = [];
    if (checked.reference) {
      parts.push(`${quote(chosen.name)} is Karpathy's microgpt.py, byte for byte (SHA-256 ${chosen.digest.slice(0, 12)}…): ` +
        'on the built-in names it prints the numbers of the package\'s default run, `python -m microgpt`.');
    } else {
      parts.push(`${quote(chosen.name)}, ${(chosen.bytes.byteLength / 1024).toFixed(1)} kB (not the published ` +
        'reference: it runs as it is).');
    }
    if (ui.exact.checked) {
      parts.push(checked.ported.length
        ? `This browser's ${checked.ported.join(', ')} differ from glibc's: the script gets microgpt's exact ports ` +
          'of them (in math, in random.gauss, and for float ** through its syntax tree), so it prints what python3 ' +
          'prints on Linux.'
        : 'This platform\'s exp, log, pow, sin and cos already give glibc\'s results.');
    } else {
      parts.push('With this browser\'s own libm: its output may drift from python3\'s after a few steps (run it both ' +
        'ways to see where).');
    }
    ui.info.textContent = parts.join(' ');
    ui.error.hidden = !checked.syntax;
    if (checked.syntax) {
      ui.error.textContent = `It does not compile: ${checked.syntax.message} (line ${checked.syntax.line}).`;
    }
  }

  // ---- running ----

  ui.run.addEventListener('click', () => {
    if (!chosen || !checked || checked.syntax) return;
    const exact = ui.exact.checked;
    terminal.reset();
    output = { key: `${chosen.digest} ${app.state.dataset.info?.sha256} `, exact, name: chosen.name, stdout: [] };
    app.runScript(chosen.bytes, chosen.name, exact);
  });
  app.on('script-output', ({ stream, text }) => {
    terminal.write(text);
    if (stream === 'stdout') output?.stdout.push(text);
  });
  app.on('script-done', () => {
    const stdout = output.stdout.join('');
    const other = finished.get(output.key + !output.exact);
    finished.set(output.key + output.exact, stdout);
    if (other !== undefined) compare(other, stdout);
  });

  /** The same script on the same data with the other libm: where their outputs part (a lesson in rounding). */
  function compare(before, now) {
    const a = before.split(/\r|\n/);
    const b = now.split(/\r|\n/);
    const line = a.findIndex((text, i) => text !== b[i]);
    const which = output.exact ? 'glibc\'s exact functions' : 'this browser\'s libm';
    ui.info.textContent = line === -1 && a.length === b.length
      ? `With ${which} the output is the same as with the other functions, byte for byte: the rare last-bit ` +
        'differences do not reach what it prints (the reference prints four decimals; a fork printing ' +
        'repr(loss.data) shows where the two part).'
      : `With ${which} the output first differs from the other run's at its line ${line + 1}: ` +
        `${quote(a[line] ?? '', 60)} became ${quote(b[line] ?? '(nothing)', 60)}.`;
  }

  ui.download.addEventListener('click', () => {
    const stem = output.name.replace(/\.py$/, '');
    saveFile(`${stem}.output.txt`, output.stdout.join(''), 'text/plain;charset=utf-8');
  });

  app.onRender((state) => {
    const live = state.phase !== 'loading' && state.phase !== 'crashed';
    const busy = state.phase === 'training' || state.phase === 'paused' || Boolean(state.opening);
    ui.run.disabled = !(live && !busy && chosen && checked && !checked.syntax && state.dataset.info && !state.pending);
    ui.download.disabled = !(output && state.run?.script && state.phase !== 'training');
  });
}

/** A file name without any folder, at most 100 characters: it names the script in its tracebacks. */
function baseName(name) {
  const base = String(name).split(/[\\/]/).pop() || PASTED;
  return base.length > 100 ? `${base.slice(0, 96)}….py` : base;
}

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
}
