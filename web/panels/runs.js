// Keep your work: Save and Open checkpoint (the CLI's own files), the autosave of the run on screen (restored after a
// reload, a crash of the tab or a later visit), and the list of kept runs, each of which can be reopened,
// downloaded, compared on the chart or deleted. The checkpoints are made by the worker's Python; this panel only
// keeps them (store.js) and moves them. The runs of a sweep on screen head the list, each with its own controls
// (pause, stop, open, its checkpoint and its losses); each is kept with the others once it ends.

import { formatSeconds, rate } from '../app.js';
import { smoothed } from '../chart.js';
import { ENDED, sweepLabel } from '../sweep.js';
import { FIELDS, fieldId } from '../settings.js';
import { byId, count, element, quote, saveFile } from '../dom.js';
import { KEEP_RUNS, StorageError, Store, persist } from '../store.js';

/** The largest checkpoint file the page reads, as microgpt.checkpoint.MAX_BYTES. */
export const MAX_CHECKPOINT_BYTES = 128 * 1024 * 1024;

/**
 * Autosave while training: at the first steps (so even a short run is kept), then every five seconds, or less often
 * when a save itself is slow (a large model).
 */
const AUTOSAVE_MS = 5000;
const AUTOSAVE_COST_RATIO = 20; // at most 1/20 of the time goes into saving

const LAST_RUN = 'your last run';

/** @typedef {import('../app.js').Run} Run */
/** @typedef {import('../sweep.js').SweepRun} SweepRun */
/** @typedef {import('../sweep.js').Saved} Saved */
/** @typedef {import('../store.js').RunRecord} RunRecord */
/**
 * How a checkpoint is opened (app.open's options): `dataset`, the file it was trained on, with the bytes (null bytes:
 * the built-in names), if not the one in use; `key` and `before`, the kept run it continues; `label`, what the page
 * calls it; `restored`: the page reopens it by itself.
 * @typedef {{dataset?: {name: string | null, bytes: ArrayBuffer | null} | null, key?: string,
 *            before?: RunRecord | null, label?: string, restored?: boolean}} OpenOptions
 */

/**
 * True in the first tab of this page only: it holds a lock for as long as it is open (Web Locks; a browser without
 * them has one tab as far as this page knows).
 */
function firstTab() {
  if (!navigator.locks) return Promise.resolve(true);
  return new Promise((resolve) => {
    navigator.locks.request('microgpt-run-on-screen', { ifAvailable: true }, (lock) => {
      resolve(lock !== null);
      return lock && new Promise(() => {}); // held until the tab closes
    });
  });
}

/** @param {import('../app.js').App} app */
export function mountRuns(app) {
  const ui = {
    save: /** @type {HTMLButtonElement} */ (byId('save-checkpoint')),
    open: /** @type {HTMLInputElement} */ (byId('open-checkpoint')),
    ask: byId('checkpoint-ask'), askText: byId('checkpoint-ask-text'),
    askFile: /** @type {HTMLInputElement} */ (byId('checkpoint-dataset')), askCancel: byId('checkpoint-ask-cancel'),
    error: byId('runs-error'), storage: byId('storage-status'), list: byId('runs'),
    codeAsk: byId('checkpoint-code-ask'), codeAskText: byId('checkpoint-code-text'), codeDiff: byId('checkpoint-code-diff'),
    codeUse: byId('checkpoint-code-use'), codeCancel: byId('checkpoint-code-cancel'),
  };
  /** @type {Store | null} */
  let store = null;
  /** @type {RunRecord[]} */
  let kept = [];
  // run id -> the run and how many of its checkpoints were asked for and not yet received
  /** @type {Map<number, {run: Run, asked: number}>} */
  const saving = new Map();
  let storing = Promise.resolve(); // the received checkpoints are stored one after another, in the order they came
  /** @type {number | null} the run id whose checkpoint the user asked to download */
  let downloading = null;
  /** @type {boolean | null} whether the browser agreed to keep the runs under storage pressure (asked at first save) */
  let persistent = null;
  let lastSave = 0;
  let saveCost = 0;
  let restoring = true; // until the run left on screen last time has been reopened (or there was none)
  /**
   * A checkpoint waiting for its dataset: its bytes, how it was being opened, and the file last picked for it.
   * @type {{bytes: ArrayBuffer, options: OpenOptions, picked?: string} | null}
   */
  let waiting = null;
  const first = firstTab(); // asked at once: the tab opened first keeps the run it restores to itself

  const ready = Store.open().then(async (opened) => {
    store = opened;
    describeStorage();
    await refresh();
  }, (error) => {
    restoring = false;
    ui.storage.textContent = `This browser does not let the page keep runs (${error?.message ?? error}): ` +
      'download a checkpoint to keep a run.';
  });

  // ---- saving ----

  function describeStorage() {
    ui.storage.textContent = `Your runs are kept in this browser (the last ${KEEP_RUNS}, and the one on screen)` +
      (persistent ? '.' : '; it may clear them when space runs low, so download the checkpoints you want to keep.');
  }

  ui.save.addEventListener('click', () => {
    const { run } = app.state;
    if (!run) return;
    downloading = run.id;
    app.send({ type: 'checkpoint', run: run.id, purpose: 'download' });
  });

  /**
   * Ask the worker for the run's checkpoint, to keep it in the browser. A pause, an end or a replaced run asks even
   * while a save is on its way: that save may hold an earlier step. The periodic saves while training wait for it.
   */
  function autosave(run = app.state.run, periodic = false) {
    if (!store || !run || !app.state.hasWeights) return;
    const asking = saving.get(run.id);
    if (asking && periodic) return;
    saving.set(run.id, { run, asked: (asking?.asked ?? 0) + 1 });
    lastSave = performance.now();
    app.send({ type: 'checkpoint', run: run.id, purpose: 'autosave' });
  }

  /**
   * One checkpoint of `run` id received (or refused).
   * @param {number} id @returns {Run | undefined} the run, if it was asked for
   */
  function received(id) {
    const asking = saving.get(id);
    if (asking && --asking.asked === 0) saving.delete(id);
    return asking?.run;
  }

  app.on('progress', () => {
    const due = Math.max(AUTOSAVE_MS, AUTOSAVE_COST_RATIO * saveCost);
    if (app.state.phase === 'training' && performance.now() - lastSave >= due) autosave(app.state.run, true);
  });
  for (const type of /** @type {const} */ (['paused', 'stopped', 'done', 'opened'])) app.on(type, () => autosave());
  app.on('started', () => { lastSave = -Infinity; }); // saved at its first steps
  // the run on screen is about to be replaced (Train, Reset, Open): keep its last steps first (the worker answers
  // before it acts on what replaces it); it stays among the kept runs, no longer the one to restore. A question
  // about a checkpoint's dataset is moot once the user has moved on.
  app.beforeReplace.push((/** @type {Run | null} */ run, /** @type {string} */ reason) => {
    if (run) autosave(run);
    store?.clearCurrent();
    if (reason !== 'open') {
      waiting = null;
      ui.ask.hidden = true;
      ui.codeAsk.hidden = true;
    }
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') autosave();
  });

  app.on('checkpoint', (/** @type {import('../protocol.js').Checkpoint} */ message) => {
    if (message.purpose === 'download') {
      downloading = null;
      saveFile(message.name, message.bytes, 'application/json');
      return;
    }
    const run = received(message.run);
    if (!run || !store) return;
    const stored = storing.then(() => keep(run, message));
    storing = stored.catch(() => {}); // a failed store is reported by `stored`; the next ones still go ahead
  });

  /**
   * Store a received checkpoint of `run`, then redraw the list.
   * @param {Run} run @param {import('../sweep.js').Saved} message
   */
  async function keep(run, message) {
    saveCost = message.seconds * 1000;
    const onScreen = app.state.run === run;
    const dataset = app.state.dataset;
    // the store writes a dataset's bytes once, when it does not hold them yet
    const bytes = !run.dataset.builtin && dataset.info?.sha256 === run.dataset.sha256 ? dataset.bytes : null;
    const listed = kept.some((kept) => kept.key === run.key);
    try {
      const dropped = await /** @type {Store} */ (store).save(record(run, message), message.bytes, bytes, onScreen);
      if (dropped) showError(`The browser's storage was full: ${count(dropped, 'older run')} made room for this one.`);
      if (persistent === null) {
        // asked once there is something to keep, not at every visit; not awaited: Firefox asks the user, who may never
        // answer, and this save and the next ones must not wait for that
        persistent = false;
        persist().then((granted) => {
          persistent = granted;
          describeStorage();
        });
      }
    } catch (error) {
      if (!(error instanceof StorageError)) throw error;
      showError(`Could not keep this run in the browser: ${error.message}. Use “Save checkpoint” to keep it as a file.`);
    }
    // while it trains, the run on screen is drawn live above: its line in the list waits for a pause or the end
    if (!(listed && onScreen && app.state.phase === 'training')) await refresh();
  }

  /** @param {Run} run @param {import('../sweep.js').Saved} message @returns {RunRecord} */
  function record(run, message) {
    return {
      key: run.key, config: run.config, dataset: run.dataset, step: message.step, steps: run.steps,
      seconds: run.secondsBefore + run.seconds, losses: Float64Array.from(run.losses.slice(0, message.step)),
      names: run.names, caption: run.caption, created: run.created, updated: Date.now(),
      finished: run.finished && message.step === run.steps, numParams: run.numParams, fileName: message.name,
      code: run.code,
    };
  }

  // ---- opening ----

  ui.open.addEventListener('change', async () => {
    const file = ui.open.files?.[0];
    ui.open.value = ''; // so picking the same file again is a change
    if (!file) return;
    hideMessages();
    if (file.size > MAX_CHECKPOINT_BYTES) {
      return showError(`${quote(file.name)} is ${(file.size / 1024 / 1024).toFixed(0)} MB; a checkpoint is at most ` +
        `${MAX_CHECKPOINT_BYTES / 1024 / 1024} MB. The run on screen is unchanged.`);
    }
    try {
      const bytes = await file.arrayBuffer();
      // the same file opened again is the same kept run, not one more copy of it in the list
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
      const key = `file-${Array.from(digest.slice(0, 16), (b) => b.toString(16).padStart(2, '0')).join('')}`;
      const before = kept.find((run) => run.key === key);
      open(bytes, { label: quote(file.name), key, ...(before && { before }) });
    } catch (error) {
      showError(`Could not read ${quote(file.name)}: ${error.message}. The run on screen is unchanged.`);
    }
  });

  /**
   * Open a checkpoint's bytes; they are kept in case the worker asks for its dataset.
   * @param {ArrayBuffer} bytes @param {OpenOptions} options
   */
  function open(bytes, options) {
    waiting = { bytes, options };
    openInApp(bytes, options);
  }

  /**
   * app.open(), with the options this panel passes (app.js types them by their defaults, all null).
   * @param {ArrayBuffer} bytes @param {OpenOptions} options
   */
  function openInApp(bytes, options) {
    app.open(bytes, /** @type {any} */ (options));
  }

  app.on('opened', () => {
    waiting = null;
    hideMessages();
  });

  app.on('error', async (/** @type {import('../protocol.js').WorkerError} */ { context, message, expected, recorded,
    run }) => {
    if (context === 'checkpoint') {
      if (run !== undefined) received(run);
      if (run === downloading) showError(`Could not save the checkpoint: ${message}.`);
      return;
    }
    if (context !== 'open') return;
    const label = waiting?.options.label ?? 'the checkpoint';
    if (recorded && waiting) return askCode(recorded, label);
    if (!expected || !waiting) {
      waiting = null;
      if (label === LAST_RUN) {
        return showError(`Your last run could not be restored: ${message}. It is still in the list below: ` +
          'download it or delete it.');
      }
      return showError(`Could not open ${label}: ${message}. The run on screen is unchanged.`);
    }
    // trained on another dataset: the built-in names, or a file this browser keeps, are used at once
    const kept = expected.builtin ? { name: null, bytes: null } : await store?.dataset(expected.sha256);
    if (kept && !waiting.options.dataset) {
      waiting.options = { ...waiting.options, dataset: { name: kept.name, bytes: kept.bytes } };
      return openInApp(waiting.bytes, waiting.options);
    }
    const picked = waiting.picked;
    ui.askText.textContent = (picked ? `${quote(picked)} is not the file it was trained on (its documents differ). `
      : '') + `Trained on ${quote(expected.name)} (${count(expected.documents, 'document')}), not on the dataset ` +
      `in use: pick that file to open ${label}.`;
    ui.ask.hidden = false;
    app.render();
    ui.askFile.focus(); // a screen reader reads the question (the input's label), a keyboard is where it answers
  });

  ui.askFile.addEventListener('change', async () => {
    const file = ui.askFile.files?.[0];
    ui.askFile.value = '';
    if (!file || !waiting) return;
    ui.ask.hidden = true;
    // the worker checks the file's digest before anything changes: a wrong file asks again
    waiting.picked = file.name;
    waiting.options = { ...waiting.options, dataset: { name: file.name, bytes: await file.arrayBuffer() } };
    openInApp(waiting.bytes, waiting.options);
  });
  /**
   * The checkpoint was made with edited code other than the page's: show it (each file's diff against the installed
   * module, as text) and open it with that code only if the user says so.
   * @param {import('../protocol.js').RecordedCode} recorded @param {string} label
   */
  function askCode(recorded, label) {
    const names = Object.keys(recorded.files);
    ui.codeAskText.textContent = `${label === LAST_RUN ? 'Your last run' : label} was trained with edited code ` +
      `(${names.join(', ')}), not with the code this page runs now. Open it with its code? Its code then becomes ` +
      'your edits in the Code panel (your current edits are replaced).';
    ui.codeDiff.replaceChildren(...names.map((name) => {
      const pre = element('pre', 'diff', recorded.diff[name]); // the file's own text: shown only as text
      pre.setAttribute('aria-label', `Changes to ${name}`);
      pre.tabIndex = 0;
      return pre;
    }));
    ui.codeAsk.hidden = false;
    ui.codeUse.onclick = () => {
      ui.codeAsk.hidden = true;
      ui.open.focus(); // the buttons are gone: keyboard focus goes back to where the file was opened
      if (!waiting) return;
      app.setCode(recorded.files);
      openInApp(waiting.bytes, waiting.options);
    };
    app.render();
    ui.codeUse.focus();
  }
  ui.codeCancel.addEventListener('click', () => {
    waiting = null;
    hideMessages();
    ui.open.focus();
    app.render();
  });
  // a fresh worker (a restart) answers nothing the one before was asked
  app.on('ready', () => saving.clear());

  ui.askCancel.addEventListener('click', () => {
    waiting = null;
    hideMessages();
    app.render();
  });

  // after a reload, a crash of the tab or a later visit: the run that was on screen, paused where it was saved
  // (in one tab only: two tabs saving one run would overwrite each other's steps)
  app.on('dataset', async () => {
    if (!restoring) return;
    restoring = false;
    await ready;
    const opened = store;
    const key = opened && await opened.current();
    const saved = key && await opened.get(key);
    if (!saved) return;
    if (!await first) {
      return showError('Your last run is open in another tab of this page: continue it there, or reopen it from ' +
        'the list below once that tab is closed.');
    }
    reopen(saved, LAST_RUN);
  });

  /**
   * Reopen a kept run on its own dataset (the worker asks for the file if the browser no longer has it).
   * @param {NonNullable<Awaited<ReturnType<Store['get']>>>} saved @param {string} label
   */
  function reopen({ record: kept, checkpoint, dataset: keptDataset }, label) {
    /** @type {OpenOptions['dataset']} */
    let dataset = null;
    if (app.state.dataset.info?.sha256 !== kept.dataset.sha256) {
      if (kept.dataset.builtin) dataset = { name: null, bytes: null };
      else if (keptDataset) dataset = { name: keptDataset.name, bytes: keptDataset.bytes };
    }
    open(checkpoint, { key: kept.key, before: kept, label, dataset,
      restored: label === LAST_RUN });
  }

  // ---- the list ----

  async function refresh() {
    kept = store ? await store.list() : [];
    app.render();
  }

  /** @param {string} text */
  function showError(text) {
    ui.error.textContent = text;
    ui.error.hidden = false;
  }

  function hideMessages() {
    ui.error.hidden = true;
    ui.ask.hidden = true;
    ui.codeAsk.hidden = true;
  }

  let drawn = ''; // the signature of the list drawn
  /** @type {WeakMap<SweepRun, Saved>} the sweep's runs kept in the browser, with the checkpoint kept */
  const keptSweep = new WeakMap();
  /** @type {Map<string, HTMLElement>} the sweep's runs' lines that change with every step, by run key */
  const progress = new Map();
  app.onRender((/** @type {import('../app.js').App['state']} */ state) => {
    const live = state.phase !== 'loading' && state.phase !== 'crashed';
    ui.save.disabled = !(live && state.run && state.hasWeights);
    ui.open.disabled = !live || // not while a file opens: focus would fall to the page (a later file replaces it)
      Boolean(state.run?.script && state.phase === 'training'); // nor over a running script: Stop ends it first
    const key = state.run?.key;
    const sweep = state.sweep?.runs ?? [];
    for (const run of sweep) { // a run of the sweep that has ended is kept like any run
      if (run.checkpoint && keptSweep.get(run) !== run.checkpoint && store) {
        keptSweep.set(run, run.checkpoint);
        const stored = storing.then(() => keep(run, /** @type {Saved} */ (run.checkpoint)));
        storing = stored.catch(() => {});
      }
    }
    for (const run of sweep) {
      const line = progress.get(run.key);
      if (line) updateSweepLine(line, run);
    }
    const signature = `${kept.map((r) => `${r.key}:${r.updated}`).join()}|${key}|${state.compared.length}|${live}|` +
      sweep.map((r) => `${r.key}:${r.state}:${r.requested}:${Boolean(r.checkpoint)}:${Boolean(r.csv)}`).join();
    if (signature === drawn) return;
    drawn = signature;
    // the list is drawn anew: keyboard focus goes to the same control of the same run, or the nearest one left
    const focused = ui.list.contains(document.activeElement) ? document.activeElement : null;
    const focusKey = /** @type {HTMLElement | null | undefined} */ (focused?.closest('.run'))?.dataset.key;
    const focusClass = focused?.className;
    const index = kept.findIndex((run) => run.key === focusKey);
    progress.clear();
    const inSweep = new Set(sweep.map((r) => r.key));
    ui.list.replaceChildren(...sweep.map((run, i) => sweepItem(run, i, run.key === key, live)),
      ...kept.filter((kept) => !inSweep.has(kept.key)).map((kept) => item(kept, kept.key === key, live)));
    if (focused) {
      const items = /** @type {HTMLElement[]} */ ([...ui.list.children]); // item()'s
      const li = items.find((item) => item.dataset.key === focusKey) ?? items[Math.min(Math.max(index, 0), items.length - 1)];
      const controls = li ? /** @type {(HTMLButtonElement | HTMLInputElement)[]} */ (
        [...li.querySelectorAll('button, input')]).filter((c) => !c.disabled) : [];
      (controls.find((c) => c.className === focusClass) ?? controls[0] ?? ui.open).focus();
    }
  });

  /**
   * A run with edited code, beside a kept run of the same settings and dataset with the code as installed: the first
   * step where their losses (Python's numbers) differ, the lesson of the edit.
   * @param {import('../store.js').RunRecord} run
   */
  function codeNote(run) {
    const same = JSON.stringify([run.config, run.dataset.sha256]);
    const original = kept.find((other) => !other.code?.length && JSON.stringify([other.config, other.dataset.sha256]) === same);
    let note = `Edited code: ${(run.code ?? []).join(', ')}.`;
    const steps = Math.min(run.losses.length, original?.losses.length ?? 0);
    if (original && steps) {
      let step = 0;
      while (step < steps && run.losses[step] === original.losses[step]) step++;
      note += step < steps ? ` Its loss first differs from the installed code's run at step ${step + 1}.`
        : ` Its first ${count(steps, 'step')}: the same losses as the installed code's run.`;
    }
    return note;
  }

  /** @param {RunRecord} run @param {boolean} onScreen @param {boolean} live */
  function item(run, onScreen, live) {
    const li = element('li', `run${onScreen ? ' current' : ''}`);
    li.dataset.key = run.key;
    // its settings keyed as the URL hash and the CLI's flags name them (`learning-rate`), for scripts
    li.dataset.config = JSON.stringify(Object.fromEntries(FIELDS.map((f) => [fieldId(f), run.config[f.key]])));
    const { config } = run;
    li.append(element('p', 'run-title', `${datasetName(run)} · ${config.n_layer} layer${config.n_layer > 1 ? 's' : ''}, ` +
      `${config.n_embd} wide · seed ${config.seed} · learning rate ${config.learning_rate}` +
      (onScreen ? ' (on screen)' : '')));
    if (run.code?.length) li.append(element('p', 'run-code', codeNote(run)));
    const last = run.losses.length ? ` · loss ${/** @type {number} */ (smoothed(run.losses).at(-1)).toFixed(4)}` : '';
    // a run opened from a file made elsewhere has no training time here
    const time = run.seconds > 0 ? ` · ${formatSeconds(run.seconds)}` : '';
    const when = new Date(run.updated).toLocaleString('en', { dateStyle: 'medium', timeStyle: 'medium' });
    li.append(element('p', 'run-meta', `${run.finished ? 'done' : 'step'} ${run.step.toLocaleString('en')} of ` +
      `${run.steps.toLocaleString('en')}${last}${time} · ${when}`));
    if (run.names.length) li.append(element('p', 'run-names', run.names.map((n) => n.text).join(', ')));
    const actions = element('div', 'run-actions');
    const label = runLabel(run);
    actions.append(
      button('Open', 'open-run', !live || onScreen, async () => {
        const saved = await store?.get(run.key);
        if (saved) reopen(saved, label);
        else showError('That run is no longer in the browser.');
      }),
      button('Download', 'download-checkpoint', false, async () => {
        const saved = await store?.get(run.key);
        if (saved) saveFile(run.fileName, saved.checkpoint, 'application/json');
      }),
      compareBox(run, onScreen),
      button('Delete', 'delete-run', onScreen, async () => {
        await store?.delete(run.key);
        app.compare(app.state.compared.filter((c) => c.key !== run.key));
        await refresh();
      }),
    );
    // each control names its run: a screen reader lists twenty Open buttons otherwise
    for (const b of actions.querySelectorAll('button')) {
      b.setAttribute('aria-label', `${b.textContent} ${label}, step ${run.step} of ${run.steps}, saved ${when}`);
    }
    li.append(actions);
    return li;
  }

  /**
   * A run of the sweep on screen: its state as it trains, and its own controls.
   * @param {SweepRun} run @param {number} i @param {boolean} onScreen @param {boolean} live
   */
  function sweepItem(run, i, onScreen, live) {
    const sweep = /** @type {import('../app.js').Sweep} */ (app.state.sweep);
    const li = element('li', `run sweep-run${onScreen ? ' current' : ''}`);
    li.dataset.key = run.key;
    li.dataset.config = JSON.stringify(Object.fromEntries(FIELDS.map((f) => [fieldId(f), run.config[f.key]])));
    const label = `sweep run ${i + 1} of ${sweep.runs.length}, ${sweepLabel(sweep, run, i)}`;
    const { config } = run;
    li.append(element('p', 'run-title', `${i + 1}: ${sweepLabel(sweep, run, i)} · ${datasetName(run)} · ` +
      `${config.n_layer} layer${config.n_layer > 1 ? 's' : ''}, ${config.n_embd} wide · seed ${config.seed} · ` +
      `learning rate ${config.learning_rate}${onScreen ? ' (on screen)' : ''}`));
    const line = element('p', 'run-meta');
    li.append(line);
    updateSweepLine(line, run);
    progress.set(run.key, line);
    if (run.message) li.append(element('p', 'error', run.message));
    if (run.names.length) li.append(element('p', 'run-names', run.names.map((n) => n.text).join(', ')));
    const active = run.state === 'training' || run.state === 'paused' || run.state === 'starting';
    const ended = ENDED.includes(run.state);
    const actions = element('div', 'run-actions');
    const paused = run.state === 'paused' || run.requested === 'pause';
    actions.append(
      button(paused ? 'Resume' : 'Pause', 'pause-run', !active || run.requested === 'stop',
        () => (paused ? app.pool.resume(run) : app.pool.pause(run))),
      button('Stop', 'stop-run', ended || run.requested === 'stop', () => app.pool.stop(run)),
      button('Open', 'open-run', !live || onScreen || !(run.state === 'paused' || (ended && run.checkpoint)),
        () => openSweepRun(run, label)),
      button('Download', 'download-checkpoint', !(run.checkpoint || run.state === 'training' || run.state === 'paused'),
        async () => {
          try {
            const saved = await app.pool.checkpointOf(run);
            saveFile(saved.name, saved.bytes, 'application/json');
          } catch (error) {
            showError(`Could not save the checkpoint of ${label}: ${error?.message ?? error}.`);
          }
        }),
      button('Download losses', 'download-losses', !(run.csv || run.state === 'training' || run.state === 'paused'),
        async () => {
          try {
            const { name, csv } = await app.pool.lossesCsv(run);
            saveFile(name, csv, 'text/csv');
          } catch (error) {
            showError(`Could not save the losses of ${label}: ${error?.message ?? error}.`);
          }
        }),
    );
    for (const b of actions.querySelectorAll('button')) b.setAttribute('aria-label', `${b.textContent} ${label}`);
    li.append(actions);
    return li;
  }

  /** A sweep run's line that changes as it trains. @param {HTMLElement} line @param {SweepRun} run */
  function updateSweepLine(line, run) {
    const item = line.parentElement;
    if (item) {
      Object.assign(item.dataset, { state: run.state, step: String(run.step), seconds: String(run.seconds),
        wasmBytes: String(run.wasmBytes) });
    }
    const of = `step ${run.step.toLocaleString('en')} of ${run.steps.toLocaleString('en')}`;
    const speed = run.seconds > 0 ? ` · ${rate(run.step - run.stepAtStart, run.seconds)} steps/s` : '';
    const last = run.losses.length ? ` · loss ${/** @type {number} */ (smoothed(run.losses.slice(-200)).at(-1))
      .toFixed(4)}` : '';
    const text = {
      queued: 'waiting for a worker',
      starting: 'starting',
      training: `training: ${of}${speed}`,
      paused: `paused at ${of}`,
      done: `done: ${run.steps.toLocaleString('en')} steps in ${formatSeconds(run.seconds)}${speed}${last}`,
      stopped: run.step ? `stopped at ${of}${last}` : 'stopped before it started',
      failed: `failed at ${of}`,
    }[run.state];
    // opened from the list, it left the sweep where it was and goes on as the run on screen: say so, not "stopped"
    const screen = app.state.run?.key === run.key && run.state !== 'done' ? app.state.run : null;
    const where = screen && `open on screen: ${{ training: 'training, step', paused: 'paused at step',
      stopped: 'stopped at step', done: 'done at step' }[app.state.phase] ?? 'step'} ` +
      `${screen.step.toLocaleString('en')} of ${screen.steps.toLocaleString('en')} (it left the sweep at step ` +
      `${run.step.toLocaleString('en')})`;
    if (item) item.dataset.onScreen = String(Boolean(screen));
    if (line.textContent !== (where || text)) line.textContent = where || text;
  }

  /**
   * Open a run of the sweep as the run on screen, to look inside it or continue it: a paused one leaves the sweep
   * (it is stopped there, and continues on screen).
   * @param {SweepRun} run @param {string} label
   */
  async function openSweepRun(run, label) {
    try {
      const saved = await app.pool.checkpointOf(run);
      if (!ENDED.includes(run.state)) app.pool.stop(run);
      open(saved.bytes.slice(0), { key: run.key, before: record(run, saved), label });
    } catch (error) {
      showError(`Could not open ${label}: ${error?.message ?? error}.`);
    }
  }

  /** @param {RunRecord} run @param {boolean} onScreen */
  function compareBox(run, onScreen) {
    const box = element('input', 'compare-run');
    box.type = 'checkbox';
    box.checked = app.state.compared.some((c) => c.key === run.key);
    box.disabled = onScreen || run.losses.length === 0;
    box.addEventListener('change', () => {
      const others = app.state.compared.filter((c) => c.key !== run.key);
      app.compare(box.checked ? [...others, { key: run.key, label: runLabel(run), losses: run.losses, record: run }]
        : others);
    });
    box.setAttribute('aria-label', `On the chart: ${runLabel(run)}`);
    const wrapper = element('label', 'compare', ' On the chart');
    wrapper.prepend(box);
    return wrapper;
  }
}

/**
 * A kept run in a few words: its dataset, the settings that tell runs apart, and its code if edited.
 * @param {RunRecord} run
 */
function runLabel(run) {
  const c = run.config;
  return `${datasetName(run)}, seed ${c.seed}, learning rate ${c.learning_rate}, ${c.n_layer}×${c.n_embd}` +
    (run.code?.length ? `, edited ${run.code.join(', ')}` : '');
}

/** @param {{dataset: import('../protocol.js').Dataset}} run */
function datasetName(run) {
  return run.dataset.builtin ? 'names.txt' : quote(run.dataset.name, 40);
}

/** @param {string} text @param {string} className @param {boolean} disabled @param {() => void} onClick */
function button(text, className, disabled, onClick) {
  const b = element('button', className, text);
  b.type = 'button';
  b.disabled = disabled;
  b.addEventListener('click', onClick);
  return b;
}

