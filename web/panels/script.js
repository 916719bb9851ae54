// Run a script: a single-file microgpt.py (Karpathy's, or a fork) picked, dropped or pasted, run unchanged by the
// worker's Python (microgpt.script) on the page's dataset as its input.txt. Its output streams into a terminal view;
// the shell makes it the run on screen, so its printed losses draw the chart and its samples the names. The script
// is only ever the user's choice: nothing here runs one from a URL, and choosing one starts nothing until Run.

import { byId, quote, saveFile } from '../dom.js';
import { SCRIPT_OUTPUT_KEPT } from '../protocol.js';
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
    info: byId('script-info'), error: byId('script-error'), compare: byId('script-compare'),
    output: byId('script-output'),
  };
  const terminal = new TerminalView(ui.output);
  /** @type {{name: string, bytes: ArrayBuffer, digest: string, pasted: boolean, check: number} | null} the script
   *  chosen, and the id of its check */
  let chosen = null;
  /** @type {import('../protocol.js').ScriptChecked | null} what the worker said of it */
  let checked = null;
  /** the run of a script on screen: its stdout as written (up to SCRIPT_OUTPUT_KEPT), for the download, and what it was
   *  @type {{key: string, exact: boolean, name: string, stdout: string[], chars: number, cut: boolean} | null} */
  let output = null;
  /** the last finished run of each script, dataset and exactness: the other exactness's run is compared with it */
  const finished = new Map();
  let checkTimer = 0;
  /** @type {{name: string, bytes: ArrayBuffer} | null} the last file chosen (not pasted) */
  let picked = null;

  // ---- choosing: a file, a dropped file, or pasted text ----

  ui.file.addEventListener('change', () => {
    const file = ui.file.files?.[0];
    ui.file.value = ''; // the same file picked again is a change
    if (file) choose(file);
  });
  // a file dropped on this panel is a script; a .py file dropped anywhere else on the page too (where the browser
  // would otherwise leave the page to show the file, and the user's work with it); other files, elsewhere, are the
  // dataset panel's or nothing
  ui.section.addEventListener('dragover', (event) => {
    if (event.dataTransfer?.types.includes('Files')) event.preventDefault();
  });
  ui.section.addEventListener('drop', (event) => {
    const file = event.dataTransfer?.files[0];
    if (!file) return;
    event.preventDefault();
    dropped(file);
  });
  document.addEventListener('dragover', (event) => {
    if (event.dataTransfer?.types.includes('Files')) event.preventDefault();
  });
  document.addEventListener('drop', (event) => {
    const file = event.dataTransfer?.files[0];
    if (!file || event.defaultPrevented) return; // a panel took it
    event.preventDefault();
    if (/\.py$/i.test(file.name)) dropped(file);
  });
  ui.panel.addEventListener('toggle', () => {
    if (ui.panel.open) app.scriptWorker(); // its Python loads while the user chooses
  });
  ui.text.addEventListener('input', () => {
    clearTimeout(checkTimer);
    checked = null; // Run waits for the check of what the box holds now, not what it held
    app.render();
    checkTimer = setTimeout(() => {
      const bytes = new TextEncoder().encode(ui.text.value).buffer;
      if (ui.text.value.trim()) use(PASTED, bytes, true);
      else if (picked) use(picked.name, picked.bytes); // emptied: the file chosen before is the script again
      else forget();
    }, CHECK_AFTER_MS);
  });

  /** @param {File} file */
  function dropped(file) {
    ui.panel.open = true;
    ui.panel.scrollIntoView({ block: 'nearest' });
    choose(file);
  }

  /** @param {File} file */
  async function choose(file) {
    if (file.size > MAX_SCRIPT_BYTES) {
      return refuse(`${quote(file.name)} is ${(file.size / 1024).toFixed(0)} kB; a script here is at most ` +
        `${MAX_SCRIPT_BYTES / 1024} kB.`);
    }
    try {
      ui.text.value = '';
      picked = { name: baseName(file.name), bytes: await file.arrayBuffer() };
      use(picked.name, picked.bytes);
    } catch (error) {
      refuse(`Could not read ${quote(file.name)}: ${error?.message ?? error}.`);
    }
  }

  /** @param {string} name @param {ArrayBuffer} bytes @param {boolean} [pasted] typed into the paste box */
  async function use(name, bytes, pasted = false) {
    if (bytes.byteLength > MAX_SCRIPT_BYTES) {
      return refuse(`The pasted script is ${(bytes.byteLength / 1024).toFixed(0)} kB; a script here is at most ` +
        `${MAX_SCRIPT_BYTES / 1024} kB.`);
    }
    const digest = hex(await crypto.subtle.digest('SHA-256', bytes));
    // a script worker says whether it compiles and whether it is the reference; its reply names this check
    chosen = { name, bytes, digest, pasted, check: app.checkScript({ name, bytes }) };
    checked = null;
    ui.error.hidden = true;
    ui.compare.hidden = true;
    ui.info.textContent = `${quote(name)}: checking…`;
    app.render();
  }

  function forget() {
    chosen = checked = null;
    ui.info.textContent = 'Choose a script to run.';
    app.render();
  }

  /** A file that cannot be a script here: nothing is chosen (the previous script is not run by mistake).
   * @param {string} message */
  function refuse(message) {
    chosen = checked = picked = null;
    ui.info.textContent = 'Choose a script to run.';
    ui.error.textContent = message;
    ui.error.hidden = false;
    app.render();
  }

  app.on('script-checked', (/** @type {import('../protocol.js').ScriptChecked} */ message) => {
    if (message.id !== chosen?.check) return; // about a script chosen before this one
    checked = message;
    describe();
    app.render();
  });
  app.on('error', (/** @type {import('../protocol.js').WorkerError} */ { context, message }) => {
    if (context !== 'script-check' || !chosen || checked) return;
    refuse(`${quote(chosen.name)} could not be checked: ${message}. Choose it again to retry.`);
  });
  ui.exact.addEventListener('change', () => describe());

  /** What will happen when it runs: the reference or not, a syntax error, which functions are made exact. */
  function describe() {
    if (!chosen || !checked) return;
    const parts = [];
    if (checked.reference) {
      parts.push(`${quote(chosen.name)} is Karpathy's microgpt.py, byte for byte (SHA-256 ${chosen.digest.slice(0, 12)}…): ` +
        'on the built-in names it prints the numbers of the package\'s default run, python -m microgpt.');
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
    ui.compare.hidden = true;
    output = { key: `${chosen.digest} ${app.state.dataset.info?.sha256} `, exact, name: chosen.name, stdout: [],
      chars: 0, cut: false };
    app.runScript(chosen.bytes, chosen.name, exact);
    ui.output.hidden = false; // shown from the first run on
    ui.output.focus(); // Run is disabled while it runs: the keyboard goes on to its output (and Stop, before it)
  });
  app.on('script-output', (/** @type {import('../protocol.js').ScriptOutput} */ { stream, text }) => {
    terminal.write(text);
    if (stream !== 'stdout' || !output || output.cut) return;
    const room = SCRIPT_OUTPUT_KEPT - output.chars;
    output.stdout.push(text.length > room ? text.slice(0, room) : text);
    output.chars += Math.min(text.length, room);
    if (text.length > room) {
      output.cut = true;
      terminal.note(`[the download keeps the first ${SCRIPT_OUTPUT_KEPT / 1024 / 1024} Mi characters of the ` +
        'output; the script goes on]');
    }
  });
  app.on('script-done', () => {
    if (!output || output.cut) return; // not all of it: no comparison
    const stdout = output.stdout.join('');
    const other = finished.get(output.key + !output.exact);
    finished.set(output.key + output.exact, stdout);
    if (other !== undefined) compare(output.exact, other, stdout);
  });

  /**
   * The same script on the same data with the other libm: where their outputs part (a lesson in rounding).
   * @param {boolean} exact the last run's @param {string} before the other run's output @param {string} now its own
   */
  function compare(exact, before, now) {
    const lines = (/** @type {string} */ text) => text.replace(/[\r\n]$/, '').split(/\r|\n/); // none after the end
    const a = lines(before);
    const b = lines(now);
    const shown = (/** @type {string | undefined} */ line) => (line === undefined ? '(nothing)'
      : line ? `“${quote(line, 60)}”` : '(an empty line)');
    let line = 0;
    while (line < Math.max(a.length, b.length) && a[line] === b[line]) line += 1;
    const which = exact ? 'glibc\'s exact functions' : 'this browser\'s libm';
    ui.compare.textContent = line === Math.max(a.length, b.length)
      ? `With ${which} the output is the same as with the other functions, byte for byte: the rare last-bit ` +
        'differences do not reach what it prints (the reference prints four decimals; a fork printing ' +
        'repr(loss.data) shows where the two part).'
      : `With ${which} the output first differs from the other run's at its line ${line + 1}: ` +
        `${shown(a[line])} became ${shown(b[line])}.`;
    ui.compare.hidden = false;
  }

  ui.download.addEventListener('click', () => {
    if (!output) return;
    const stem = output.name.replace(/\.py$/, '');
    saveFile(`${stem}.output.txt`, output.stdout.join(''), 'text/plain;charset=utf-8');
  });

  app.onRender((/** @type {import('../app.js').App['state']} */ state) => {
    const live = state.phase !== 'loading' && state.phase !== 'crashed';
    const busy = state.phase === 'training' || state.phase === 'paused' || Boolean(state.opening);
    ui.run.disabled = !(live && !busy && chosen && checked && !checked.syntax && state.dataset.info && !state.pending);
    ui.download.disabled = !(output && state.run?.script && state.phase !== 'training');
  });
}

/** A file name without any folder, at most 100 characters: it names the script in its tracebacks.
 * @param {string} name */
function baseName(name) {
  const base = String(name).split(/[\\/]/).pop() || PASTED;
  return base.length > 100 ? `${base.slice(0, 96)}….py` : base;
}

/** @param {ArrayBuffer} buffer */
function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
}
