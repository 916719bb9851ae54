// The shell: the worker, the app's state and its phases. Panels (web/panels/) own their parts of the page; they read
// `app.state`, ask the shell to act (`app.train()`, `app.open()`, ...), and subscribe to the worker's replies with
// `app.on(type, handler)`. Only the shell talks to the worker, and only through the messages of protocol.js. A sweep
// (several runs at once) trains in the workers of its pool (sweep.js), which the shell owns too.

/** @typedef {import('./protocol.js').Reply} Reply */
/** @typedef {import('./protocol.js').Request} Request */
/** @typedef {import('./protocol.js').Config} Config */
/** @typedef {import('./protocol.js').Name} Name */
/** @typedef {import('./protocol.js').Dataset} Dataset */
/** @typedef {import('./protocol.js').Edits} Edits */

import { SCRIPT_WORKER, STUCK_MS } from './protocol.js';
import { Pool, atOnce } from './sweep.js';

/**
 * A reply of this type (Control's three types included).
 * @template {string} T
 * @typedef {Reply extends infer R ? (R extends Reply ? (T extends R['type'] ? R : never) : never) : never} ReplyOf
 */

/**
 * A sweep on screen: its runs (in the pool), the form's texts it was started from (its link), how many train at once
 * and why, whether it was stopped as a whole, and when it started (performance.now()).
 * @typedef {{runs: import('./sweep.js').SweepRun[], texts: Record<string, string>, atOnce: number, why: string,
 *            stopped: boolean, dataset: Dataset}} Sweep
 */

/**
 * A checkpoint being opened (open()), until the worker answers: what the page says of it, the kept run it continues,
 * the dataset it was sent with, and the status text to put back if it is refused.
 * @typedef {{id: number, key: string, before: Before | null, label: string, restored: boolean,
 *            dataset: {name: string | null, bytes: ArrayBuffer | null} | null, note: string, status: string}} Opening
 * @typedef {{created: number, seconds: number, names: Name[], caption: string, finished: boolean}} Before  what the
 *          page knew of a kept run it reopens (the runs panel's record of it)
 */

/**
 * The run on screen. `id` tags the worker's replies about it (they change with every train or open); `key` names it
 * in the browser's storage for good (a reopened run keeps its key, so its autosaves replace its own record).
 * @typedef {{id: number, key: string, config: Config, dataset: Dataset, numParams: number, steps: number,
 *            step: number, stepAtStart: number, seconds: number, secondsBefore: number, losses: number[],
 *            names: Name[], caption: string, created: number, finished: boolean, vocabSize: number,
 *            code: string[], restored?: boolean, script?: {name: string, exact: boolean}}} Run  `vocabSize`: its
 *          dataset's tokens (characters and BOS); `code`: the modules it runs edited (none: the package as
 *          installed); `restored`: reopened by the page itself from its autosave, not by the user; `script`: a
 *          script of the user's run as it is (no weights the page can reach: its output is what it shows)
 */

/** What one training step costs per parameter, about, in ms: a large model's first step is waited for that long. */
const STEP_MS_PER_PARAMETER = 0.01;

/** The status is a live region, read out by screen readers at each change: while training it changes once a second. */
const STATUS_EVERY_MS = 1000;

export class App {
  /** @param {HTMLElement} status the status line (#status), with its machine-readable attributes */
  constructor(status) {
    this.status = status;
    /**
     * Everything the page knows. `phase`: loading | ready | training | paused | stopped | done | crashed.
     * `dataset.bytes` is kept so a restarted worker gets the same data.
     */
    this.state = {
      phase: 'loading',
      /** @type {{name: string | null, bytes: ArrayBuffer | null, info: Dataset | null, vocabSize: number}} */
      dataset: { name: null, bytes: null, info: null, vocabSize: 0 },
      /** @type {{name: string | null, bytes: ArrayBuffer | null} | null} a dataset sent and not yet accepted */
      pending: null,
      /** @type {{name: string | null, bytes: ArrayBuffer | null} | null} the last dataset the worker refused */
      refused: null,
      /** @type {Run | null} */
      run: null,
      /** @type {Opening | null} a checkpoint being opened (see open()), until the worker answers */
      opening: null,
      runs: 0, // runs started or opened so far: the next id
      /** the settings panel's form: its config (null while a field is invalid), and that config's parameter count */
      form: { config: /** @type {Config | null} */ (null), numParams: /** @type {number | undefined} */ (undefined),
        /** @type {Config[] | null} a sweep's runs, when fields hold lists (`config` is then the first run's) */
        configs: null,
        /** @type {import('./settings.js').Swept[]} the settings a sweep varies */
        swept: [],
        /** @type {Record<string, string>} the form's texts, by field key */
        texts: {},
      },
      /**
       * @type {{key: string, label: string, losses: ArrayLike<number>, record?: import('./store.js').RunRecord}[]}
       *       kept runs shown on the chart (and in the comparison, with their record)
       */
      compared: [],
      /** @type {Sweep | null} the sweep on screen, if any: its runs train in the pool's workers */
      sweep: null,
      hasWeights: false,
      offerRestart: false, // after an internal error: the runtime may be unusable, so offer a fresh one
      /** @type {string | null} 'pause', 'resume' or 'stop' sent and not yet done: a slow step may take seconds */
      requested: null,
      generating: false, // a "Generate now" sent and not yet answered: one at a time
      /** @type {Edits} the Code panel's edited modules: the next run (train or open) runs them */
      code: {},
      /** @type {import('./protocol.js').CodeFailure | null} the last error of the edited code (the Code panel shows it) */
      codeFailure: null,
      statusAt: 0, // when the status text last changed (performance.now())
    };
    /** @type {Map<string, ((message: any) => void)[]>} */
    this.handlers = new Map();
    /** @type {((state: App['state']) => void)[]} */
    this.renderers = [];
    /**
     * called with (the run on screen or null, 'train' | 'open' | 'reset' | 'script' | 'sweep') before a new run, a
     * checkpoint, a sweep or reset
     * @type {((run: Run | null, reason: string) => void)[]}
     */
    this.beforeReplace = [];
    this.python = false; // Python has started in the current worker
    this.readyText = '';
    // Pause, Stop or Reset waiting for the worker: if it sends nothing for this long, it is stuck (see unstick())
    this.watch = { timer: /** @type {number | ReturnType<typeof setTimeout>} */ (0), type: '', run: 0, ms: STUCK_MS };
    this.longestChunk = 0; // of the run on screen, in ms: how long a healthy worker may be silent
    /** @type {{run: number, bytes: ArrayBuffer} | null} the last checkpoint of the run on screen: what a restarted
     *  worker reopens */
    this.lastSave = null;
    /** @type {{bytes: ArrayBuffer, run: Run, what: string} | null} a restart after the worker was stuck: the run to
     *  reopen and what to say */
    this.recovering = null;
    this.restartNote = ''; // what the status says once a restarted Python is ready
    /** @type {{worker: Worker, replies: Reply[]} | null} a worker started while the page waits for a stuck one */
    this.spare = null;
    this.worker = this.startWorker();
    /** The workers of sweeps (sweep.js): their count is #status's data-workers (0 when no sweep trains). */
    this.pool = new Pool(() => this.sweepChanged());
    this.status.dataset.workers = '0';
    /**
     * The Pythons of the user's scripts, each a worker of its own, ended after its script: `next` checks scripts and
     * runs the next one, `running` runs one now; `check`, the last check asked for, until answered.
     * @type {{next: Worker | null, running: Worker | null, check: import('./protocol.js').ScriptCheckRequest | null,
     *         checks: number}}
     */
    this.scripts = { next: null, running: null, check: null, checks: 0 };
    this.on('loading', ({ loaded, total }) => {
      if (loaded < total) this.setPhase('loading', `Loading the Python runtime: ${mb(loaded)} of ${mb(total)} MB…`);
      else this.setPhase('loading', 'Starting Python…');
    });
    // Python is up: the page is ready once it has read the dataset too, so that Train works the moment it says so
    this.on('ready', (message) => {
      this.readyText = this.restartNote || `Ready: Python ${message.python} loaded in ${message.seconds.toFixed(1)} s.`;
      this.restartNote = '';
      this.python = true;
      this.setPhase('loading', 'Reading the dataset…');
      const { name, bytes } = this.state.pending ?? this.state.dataset;
      this.loadDataset(name, bytes);
    });
    this.on('dataset', (message) => {
      const { state } = this;
      const { name, bytes } = state.pending ?? state.dataset;
      state.dataset = { name, bytes, info: message.dataset, vocabSize: message.vocabSize };
      state.pending = null;
      const starting = state.phase === 'loading'; // the dataset a fresh Python reads again: the run on screen stays
      this.becomeReady();
      if (this.recovering && state.phase === 'ready') this.recover();
      if (!starting && (state.phase === 'done' || state.phase === 'stopped')) {
        this.clearRun(); // its weights were trained on the previous dataset: its names and command would not match
        this.setPhase('ready');
      }
    });
    this.on('started', (message) => {
      Object.assign(this.onScreen(), { steps: message.steps, numParams: message.numParams });
      this.state.hasWeights = true;
      this.state.offerRestart = false;
    });
    this.on('opened', (message) => this.onOpened(message));
    this.on('progress', (message) => {
      const run = this.onScreen();
      if (message.steps) run.steps = message.steps; // a script's output names its total
      run.losses.push(...message.losses);
      Object.assign(run, { step: message.step, seconds: message.seconds });
      // machine-readable progress, for scripts and benchmarks that drive the page
      Object.assign(this.status.dataset, { step: String(message.step), seconds: String(message.seconds),
        wasmBytes: String(message.wasmBytes) });
      const due = performance.now() - this.state.statusAt >= STATUS_EVERY_MS;
      if (this.state.phase === 'training' && !this.state.requested && due) this.setPhase('training');
    });
    this.on('paused', (message) => {
      if (this.state.requested === 'stop') return; // a Stop sent after the Pause comes next: keep waiting for it
      this.state.requested = null;
      this.setPhase('paused', `Paused at step ${message.step} of ${this.onScreen().steps}.`);
    });
    this.on('resumed', () => {
      this.state.requested = null;
      this.setPhase('training');
    });
    this.on('stopped', (message) => {
      this.state.requested = null;
      this.onScreen().finished = true;
      this.setPhase('stopped', `Stopped at step ${message.step} of ${this.onScreen().steps}.`);
    });
    this.on('done', (message) => {
      const run = this.onScreen();
      this.state.requested = null;
      run.seconds = message.seconds;
      run.finished = true;
      const trained = run.steps - run.stepAtStart;
      const speed = `${formatSeconds(message.seconds)} (${rate(trained, message.seconds)} steps/s)`;
      this.setPhase('done', run.stepAtStart === 0 ? `Done: ${run.steps} steps in ${speed}.`
        : `Done: ${run.steps} steps, the last ${trained} in ${speed}.`);
    });
    this.on('generated', () => { this.state.generating = false; });
    this.on('script-done', ({ status, step, seconds }) => {
      const run = this.onScreen();
      Object.assign(run, { finished: true, step, seconds });
      const how = status === 0 ? 'finished' : `exited with status ${status} (its output says why)`;
      const speed = step ? `: ${step} step${step === 1 ? '' : 's'} in ${formatSeconds(seconds)} (${rate(step, seconds)} steps/s)`
        : ` in ${formatSeconds(seconds)}`;
      this.setPhase('done', `${run.script?.name} ${how}${speed}.`);
    });
    this.on('error', (message) => this.onWorkerError(message));
  }

  // ---- panels ----

  /**
   * Call `handler(message)` for each reply of this type about the run on screen (or about no run).
   * @template {Reply['type']} T @param {T} type @param {(message: ReplyOf<T>) => void} handler
   */
  on(type, handler) {
    const handlers = this.handlers.get(type) ?? [];
    handlers.push(handler);
    this.handlers.set(type, handlers);
  }

  /** The run on screen, where a reply about it is handled (the shell drops replies about any other run). */
  onScreen() {
    return /** @type {Run} */ (this.state.run);
  }

  /** Call `render(state)` after every change of the state. @param {(state: App['state']) => void} render */
  onRender(render) {
    this.renderers.push(render);
  }

  render() {
    for (const render of this.renderers) render(this.state);
  }

  // ---- actions ----

  /** @param {Config} config */
  train(config) {
    this.replacing('train');
    this.clearRun();
    this.pool.terminate(); // a sweep shown before: its runs are kept in the list
    this.state.sweep = null;
    const info = /** @type {Dataset} */ (this.state.dataset.info);
    const code = this.state.code;
    this.state.run = newRun(++this.state.runs, crypto.randomUUID(), config, info, Object.keys(code));
    this.state.run.vocabSize = this.state.dataset.vocabSize;
    this.state.codeFailure = null;
    this.setPhase('training');
    this.send({ type: 'train', config, run: this.state.run.id, code });
  }

  /**
   * Train several runs at once, a sweep: each in a worker of the pool, as many at once as the machine allows, the rest
   * queued. It replaces the run on screen, and any sweep before it (whose workers end at once).
   * @param {Config[]} configs @param {Record<string, string>} texts the form's, for the sweep's link
   */
  sweep(configs, texts) {
    this.replacing('sweep');
    const { run, phase } = this.state;
    if (run?.script) this.retireScript();
    else if (run && (phase === 'training' || phase === 'paused')) this.send({ type: 'stop', run: run.id });
    this.clearRun();
    this.state.opening = null;
    const { name, bytes, info, vocabSize } = this.state.dataset;
    const dataset = /** @type {Dataset} */ (info);
    const code = this.state.code;
    const runs = configs.map((config) => /** @type {import('./sweep.js').SweepRun} */ ({
      ...newRun(++this.state.runs, crypto.randomUUID(), config, dataset, Object.keys(code)), vocabSize,
      state: 'queued', requested: null, message: '', wasmBytes: 0, startedAt: 0, endedAt: 0, checkpoint: null,
      csv: null }));
    const { atOnce: limit, why } = atOnce(configs, vocabSize);
    this.state.sweep = { runs, texts, atOnce: limit, why, stopped: false, dataset };
    // at once, as Train does: a script waiting for this sweep's phase must not read the last one's
    this.setPhase('training', `Sweep: starting ${runs.length} runs (${limit} at once)…`);
    this.pool.start(runs, { name, bytes, sha256: dataset.sha256 }, code, limit);
  }

  /** The pool changed: the sweep's phase and status, when no run is on screen, and the live workers' count. */
  sweepChanged() {
    this.status.dataset.workers = String(this.pool.workers);
    const { sweep, run, opening } = this.state;
    if (!sweep || run || opening || this.state.phase === 'loading' || this.state.phase === 'crashed') {
      return this.render();
    }
    const { runs } = sweep;
    const count = (/** @type {string[]} */ ...states) => runs.filter((r) => states.includes(r.state)).length;
    const ended = runs.filter((r) => this.pool.settled(r)).length;
    const first = Math.min(...runs.filter((r) => r.startedAt).map((r) => r.startedAt));
    const last = ended === runs.length ? Math.max(...runs.map((r) => r.endedAt)) : performance.now();
    const wall = Number.isFinite(first) ? (last - first) / 1000 : 0;
    this.status.dataset.sweepSeconds = wall.toFixed(3); // from the first run's start to the last one's end, for benchmarks
    const steps = runs.reduce((n, r) => n + r.step - r.stepAtStart, 0);
    const speed = `${rate(steps, wall)} steps/s in all`;
    /** @type {string} */
    let phase;
    let text;
    if (ended === runs.length) {
      phase = sweep.stopped ? 'stopped' : 'done';
      const failed = count('failed') ? `, ${count('failed')} failed` : '';
      text = `Sweep ${sweep.stopped ? 'stopped' : 'done'}: ${runs.length} runs${failed}, ${steps.toLocaleString('en')} ` +
        `steps in ${formatSeconds(wall)} (${speed}).`;
    } else if (runs.some((r) => !this.pool.settled(r) && r.state !== 'paused' && !(r.state === 'queued' && this.pool.held))) {
      phase = 'training';
      const queued = count('queued') ? `, ${count('queued')} waiting` : '';
      const paused = count('paused') ? `, ${count('paused')} paused` : '';
      text = `Sweep of ${runs.length} runs (${sweep.atOnce} at once): ${count('training', 'starting')} training` +
        `${paused}${queued}, ${ended} ended · ${speed}`;
    } else {
      phase = 'paused';
      text = `Sweep paused: ${count('paused')} paused, ${count('queued')} waiting, ${ended} ended.`;
    }
    const due = performance.now() - this.state.statusAt >= STATUS_EVERY_MS;
    if (phase !== this.state.phase || due || phase !== 'training') this.setPhase(phase, text);
    else this.render();
  }

  /**
   * Pause, resume or stop: acted on between two steps, which for a large model can be seconds away. With a sweep on
   * screen (and no run), every run of the sweep.
   * @param {'pause' | 'resume' | 'stop'} type
   */
  request(type) {
    const { state } = this;
    if (!state.run && state.sweep) {
      if (type === 'stop') state.sweep.stopped = true;
      if (type === 'pause') this.pool.pauseAll();
      else if (type === 'resume') this.pool.resumeAll();
      else this.pool.stopAll();
      return;
    }
    if (!state.run) return;
    if (state.run.script) return this.stopScript(); // a script cannot pause: it runs until its end
    // the buttons stay enabled (keyboard focus stays on them): a repeat waits, a stop overrides a pending pause
    if (state.requested === type || state.requested === 'stop') return;
    state.requested = type;
    this.send({ type, run: state.run.id });
    if (type === 'resume') return this.render();
    this.arm(type, state.run.id);
    this.setPhase(state.phase, `${type === 'pause' ? 'Pausing' : 'Stopping'} after the current step…`);
  }

  reset() {
    this.replacing('reset');
    this.pool.terminate(); // a sweep's workers end at once
    this.state.sweep = null;
    const { run, phase } = this.state;
    if (run?.script) {
      this.retireScript();
    } else if (run && (phase === 'training' || phase === 'paused')) {
      this.send({ type: 'stop', run: run.id });
      this.arm('reset', run.id);
    } else if (this.state.opening) { // its answer shows the worker is not stuck (its code may loop as it is imported)
      this.arm('reset', this.state.opening.id);
    }
    this.clearRun();
    this.state.opening = null; // a checkpoint being opened: its reply is dropped, and the next run replaces it
    this.setPhase('ready');
  }

  /**
   * Open a checkpoint file's bytes as the run on screen, paused at its step, on the current dataset or on `dataset`
   * ({name, bytes}, null bytes for the built-in names). `key` and `before` continue a kept run: its storage key and
   * what the page knew of it (a finished one is shown as done). A bad file, or one of another dataset, changes
   * nothing: the worker checks it before it touches the run on screen. The worker gets copies: the caller keeps its
   * bytes, to try again with another dataset.
   * @param {ArrayBuffer} bytes
   * @param {{dataset?: {name: string | null, bytes: ArrayBuffer | null} | null, key?: string, before?: Before | null,
   *          label?: string, restored?: boolean, askCode?: boolean, note?: string}} [options]
   */
  open(bytes, { dataset = null, key = crypto.randomUUID(), before = null, label = 'the checkpoint', restored = false,
    askCode = true, note = '' } = {}) {
    this.replacing('open');
    const id = ++this.state.runs;
    // a checkpoint near the limits takes seconds to read: say so, and say again what was here if it is refused
    this.state.opening = { id, key, before, label, restored, dataset, note, status: this.status.textContent };
    this.status.textContent = `Opening ${label}…`;
    const copy = dataset && { name: dataset.name, bytes: dataset.bytes && dataset.bytes.slice(0) };
    this.send({ type: 'open', run: id, bytes: bytes.slice(0), dataset: copy, code: this.state.code, askCode });
    this.render();
  }

  /** Show these kept runs on the chart beside the run on screen. @param {App['state']['compared']} runs */
  compare(runs) {
    this.state.compared = runs;
    this.render();
  }

  /**
   * Run a script of the user's as it is (its bytes, its file name), on the current dataset, as the run on screen: its
   * output's losses draw the chart, its samples the names. `exact`: with glibc's libm (see ScriptRequest). It runs in
   * a Python of its own (the next script worker), so the training Python never sees it.
   * @param {ArrayBuffer} bytes @param {string} name @param {boolean} exact
   */
  runScript(bytes, name, exact) {
    this.replacing('script');
    this.clearRun();
    const { info, vocabSize, bytes: dataset } = this.state.dataset;
    const run = newRun(++this.state.runs, crypto.randomUUID(), /** @type {Config} */ (this.state.form.config),
      /** @type {Dataset} */ (info), []);
    Object.assign(run, { script: { name, exact }, steps: 0, vocabSize });
    this.state.run = run;
    this.state.codeFailure = null;
    this.setPhase('training');
    const worker = this.scripts.running = this.scriptWorker();
    this.scripts.next = null;
    if (this.scripts.check) this.checkScript(this.scripts.check); // asked of this one, which now runs the script
    /** @type {import('./protocol.js').ScriptRequest} */
    const message = { type: 'script', run: run.id, bytes: bytes.slice(0), name, exact, dataset: dataset?.slice(0) ?? null };
    worker.postMessage(message, [message.bytes, ...(message.dataset ? [message.dataset] : [])]);
  }

  /** Stop a running script: its Python reads no message until the script returns, so its worker is ended. The
   * script's output, chart and names stay on screen. */
  stopScript() {
    const run = this.onScreen();
    run.finished = true;
    this.retireScript();
    this.setPhase('stopped', `Stopped ${run.script?.name}${run.step ? ` at step ${run.step}` : ''}.`);
  }

  /**
   * Ask a script worker what it can tell of a script before it runs (ScriptChecked); returns the request's id. A
   * check is asked again of the next worker if its worker goes before it answers.
   * @param {{name: string, bytes: ArrayBuffer} | import('./protocol.js').ScriptCheckRequest} script
   */
  checkScript({ name, bytes }) {
    const check = { type: /** @type {const} */ ('script-check'), id: ++this.scripts.checks, name, bytes };
    this.scripts.check = check;
    this.scriptWorker().postMessage({ ...check, bytes: bytes.slice(0) });
    return check.id;
  }

  /** The script worker waiting for the next script, started now if there is none: Python takes a second to load. */
  scriptWorker() {
    if (!this.scripts.next) {
      const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: SCRIPT_WORKER });
      worker.onmessage = (event) => this.onScriptReply(worker, event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        this.onScriptReply(worker, { type: 'error', context: 'script', message: event.message || 'its worker failed',
          cause: 'fatal' });
      };
      this.scripts.next = worker;
    }
    return this.scripts.next;
  }

  /** End the running script's worker: the script may have changed anything in its Python. */
  retireScript() {
    this.scripts.running?.terminate();
    this.scripts.running = null;
  }

  /**
   * A script worker's reply: the running one's output, progress, end or failure, and the waiting one's check of a
   * script; nothing else (their own loading and readiness are not the page's). A script cannot post itself (its
   * Python has no postMessage: worker.js's confine()).
   * @param {Worker} worker @param {Reply} message
   */
  onScriptReply(worker, message) {
    const { scripts } = this;
    if (worker === scripts.running) {
      if (message.type === 'error') return this.scriptFailed(message.message);
      if (message.type === 'script-done') this.retireScript();
      if (['script-output', 'progress', 'script-done'].includes(message.type)) this.onReply(message);
    } else if (worker === scripts.next) {
      if (message.type === 'script-checked' && message.id === scripts.check?.id) {
        scripts.check = null;
        this.onReply(message);
      } else if (message.type === 'error') { // the check failed, or this Python did not start: the panel says so
        worker.terminate();
        scripts.next = null;
        scripts.check = null;
        this.onReply({ ...message, context: 'script-check' });
      }
    }
  }

  /** The running script's Python failed outside the script (its exit, its worker's end): the run ends there.
   * @param {string} text */
  scriptFailed(text) {
    this.retireScript();
    const { run } = this.state;
    if (!run?.script || run.finished) return;
    run.finished = true;
    this.setPhase('stopped', `${run.script.name} ended its Python (${text.slice(0, 300).replace(/\.$/, '')}). Its ` +
      'output so far is kept; the page goes on.');
  }

  /** Names from the current weights: one request at a time (a long one would hold up every later message).
   * @param {number} count @param {number} temperature */
  generate(count, temperature) {
    if (this.state.generating || !this.state.run) return;
    this.state.generating = true;
    this.send({ type: 'generate', run: this.state.run.id, count, temperature });
    this.render();
  }

  /** Use these edited modules (the Code panel's) from the next run on. @param {Edits} edits */
  setCode(edits) {
    this.state.code = edits;
    this.render();
  }

  /** @param {string | null} name @param {ArrayBuffer | null} bytes null for the built-in names */
  loadDataset(name, bytes) {
    const { state } = this;
    state.pending = { name, bytes }; // one at a time: the dataset controls wait for the worker's answer
    if (this.python && state.phase !== 'crashed') {
      this.send({ type: 'dataset', name, bytes: bytes && bytes.slice(0) });
    }
    this.render();
  }

  /** The first dataset read after Python started: the page is ready. */
  becomeReady() {
    if (this.state.phase !== 'loading' || !this.python) return;
    this.status.dataset.readyMs = performance.now().toFixed(0); // since navigation started; for benchmarks
    this.setPhase('ready', this.readyText);
  }

  /** A fresh worker and Python. */
  restart() {
    this.python = false;
    const spare = this.spare;
    this.spare = null;
    this.disarm();
    this.worker.terminate();
    this.state.offerRestart = false;
    this.state.generating = false;
    this.state.opening = null;
    this.retireScript();
    this.clearRun();
    this.setPhase('loading', 'Loading the Python runtime…');
    if (spare) { // started while the page waited: it may be ready already
      this.worker = spare.worker;
      this.listen(this.worker);
      for (const message of spare.replies) this.onReply(message);
    } else {
      this.worker = this.startWorker();
    }
  }

  // ---- a worker stuck inside a step ----

  /**
   * Expect the worker to act on this request soon. Every message it sends shows it is between steps or about to be,
   * and starts the wait again; a worker that sends nothing for `watch.ms` is inside a step that does not return.
   * @param {string} type @param {number} run
   */
  arm(type, run) {
    clearTimeout(this.watch.timer);
    const ms = this.stuckAfter();
    Object.assign(this.watch, { type, run, ms, timer: setTimeout(() => this.unstick(), ms) });
    // edited code may loop: a spare Python starts loading now, so that a restart takes seconds less
    if (!this.spare && Object.keys(this.state.code).length) {
      /** @type {Reply[]} */
      const replies = [];
      const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
      this.listen(worker, replies);
      this.spare = { worker, replies };
    }
  }

  /**
   * How long a healthy worker may send nothing: STUCK_MS, or for a large model what its steps take. That is twice
   * the longest chunk seen, and before any (a run just started or opened) three times a step's estimate from its
   * size (10 µs per parameter: the default model's step takes 35 ms here, 8 µs each); the last chunk also draws
   * the final names, each costing about a step.
   */
  stuckAfter() {
    const { run } = this.state;
    if (!run) return STUCK_MS;
    const step = STEP_MS_PER_PARAMETER * run.numParams;
    const names = run.step >= run.steps - 1 ? (run.config?.samples ?? 0) * step : 0;
    return Math.max(STUCK_MS, 2 * this.longestChunk, 3 * step) + names;
  }

  disarm() {
    clearTimeout(this.watch.timer);
    this.watch.timer = 0;
    this.spare?.worker.terminate(); // the worker answered: no restart
    this.spare = null;
  }

  /** The worker has not answered Pause, Stop or Reset: end it and start a fresh one, keeping the user's work. */
  unstick() {
    const { type, run: id } = this.watch;
    const { run } = this.state;
    const saved = type !== 'reset' && run?.id === id && this.lastSave?.run === id ? this.lastSave.bytes : null;
    const seconds = (this.watch.ms / 1000).toFixed(0);
    const what = `Python did not answer within ${seconds} s${Object.keys(this.state.code).length
      ? ' (your edited code may loop)' : ''}, so the page restarted it`;
    // a checkpoint sent to the stuck worker never opened: the user is told to open it again
    const lost = this.state.opening ? ` (${this.state.opening.label} was not opened: open it again)` : '';
    this.recovering = saved && run && { bytes: saved, run, what: what + lost };
    this.restartNote = `${what}${lost}; your settings, dataset and code are kept` +
      `${type !== 'reset' && !saved ? ', but the run had no save to go back to' : ''}.`;
    this.restart();
  }

  /** Python is up again after unstick(): reopen the run at its last save, paused. */
  recover() {
    const { bytes, run, what } = /** @type {NonNullable<App['recovering']>} */ (this.recovering);
    this.recovering = null;
    this.open(bytes, { key: run.key, before: run, label: 'its last save', askCode: false,
      note: `${what}; the run is back at its last save` });
  }

  /** @param {Request} message */
  send(message) {
    /** @type {Transferable[]} */
    const transfer = [];
    if ('bytes' in message && message.bytes) transfer.push(message.bytes);
    if (message.type === 'open' && message.dataset?.bytes) transfer.push(message.dataset.bytes);
    this.worker.postMessage(message, transfer);
  }

  /** Let the panels keep what they must of the run on screen before it goes (its last steps, for the runs list).
   * @param {string} reason */
  replacing(reason) {
    for (const hook of this.beforeReplace) hook(this.state.run, reason);
  }

  /** Forget the run on screen (the worker's replies about it are dropped from now on). */
  clearRun() {
    Object.assign(this.state, { run: null, hasWeights: false, requested: null, generating: false });
    this.lastSave = null;
    this.longestChunk = 0;
    this.status.dataset.step = '0';
  }

  // ---- the worker ----

  startWorker() {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    this.listen(worker);
    return worker;
  }

  /** The page's worker: its replies are the page's; a spare's wait until it takes over.
   * @param {Worker} worker @param {Reply[] | null} spare */
  listen(worker, spare = null) {
    worker.onmessage = (event) => (spare ? spare.push(event.data) : this.onReply(event.data));
    worker.onerror = (event) => {
      event.preventDefault();
      if (!spare) this.crash(event.message || 'the worker failed to start');
    };
  }

  /** @param {Reply} message */
  onReply(message) {
    const { run, opening } = this.state;
    this.alive(message);
    if (message.type === 'checkpoint' && message.run === run?.id) {
      this.lastSave = { run: message.run, bytes: message.bytes.slice(0) }; // the runs panel stores the original
    }
    // replies about a run that was reset or replaced are dropped, but for the checkpoints the runs panel asked for
    const about = 'run' in message ? message.run : undefined;
    if (about !== undefined && about !== run?.id && about !== opening?.id && message.type !== 'checkpoint') return;
    for (const handler of this.handlers.get(message.type) ?? []) handler(message);
    if (message.type !== 'script-output') this.render(); // a script's output changes only its terminal view
  }

  /** A message from the worker: it answered what the page waits for, or it is alive and the wait starts again.
   * @param {Reply} message */
  alive(message) {
    const { run } = this.state;
    if (message.type === 'progress' && run && message.run === run.id) {
      this.longestChunk = Math.max(this.longestChunk, 1000 * (message.seconds - run.seconds));
    }
    if (!this.watch.timer) return;
    const answered = ['paused', 'stopped', 'done', 'error'].includes(message.type) && 'run' in message
      && message.run === this.watch.run;
    if (answered) return this.disarm();
    this.arm(this.watch.type, this.watch.run);
  }

  /** @param {import('./protocol.js').Opened} message */
  onOpened(message) {
    const { key, before, label, restored, dataset, note } = /** @type {Opening} */ (this.state.opening);
    this.state.opening = null;
    this.clearRun();
    if (dataset) this.state.dataset = { ...dataset, info: message.dataset, vocabSize: message.vocabSize };
    const run = newRun(message.run, key, message.config, message.dataset, message.edited);
    Object.assign(run, { restored, vocabSize: message.vocabSize,
      numParams: message.numParams, step: message.step, stepAtStart: message.step, losses: Array.from(message.losses),
      ...(before && { created: before.created, secondsBefore: before.seconds, names: before.names, caption: before.caption }),
    });
    this.state.run = run;
    this.state.hasWeights = true;
    this.state.offerRestart = false;
    const atEnd = message.step === run.steps;
    // it continues with the code it was made with, which may not be the Code panel's
    const { edited } = message;
    const sameCode = JSON.stringify(Object.keys(this.state.code).sort()) === JSON.stringify([...edited].sort());
    const code = sameCode ? '' : ` It runs ${edited.length ? `its edited code (${edited.join(', ')})`
      : 'the installed code'}, as it was trained; your edits are for the next Train.`;
    if (note) {
      this.setPhase('paused', `${note}, paused at step ${message.step} of ${run.steps}. Resume continues it.${code}`);
    } else if (before?.finished && atEnd) {
      run.finished = true;
      this.setPhase('done', `Reopened ${label}: done, ${run.steps} steps.${code}`);
    } else {
      const next = atEnd ? 'Resume draws its final names' : 'Resume continues it';
      this.setPhase('paused', `Opened ${label}: paused at step ${message.step} of ${run.steps}. ${next}.${code}`);
    }
  }

  /** @param {import('./protocol.js').WorkerError} error */
  onWorkerError({ context, message, cause, run, code }) {
    const { state } = this;
    if (context === 'load') return this.crash(`Could not load the Python runtime: ${message}`);
    if (cause === 'fatal') return this.crash(`Python stopped working: ${message}`);
    if (cause === 'internal') state.offerRestart = true; // a bug, not the user's input: the runtime may be unusable
    if (context === 'generate') state.generating = false;
    if (cause === 'code') {
      // a run's failure: the Code panel shows the traceback and marks the line (a view's failure: the view says it)
      if (['train', 'resume', 'open', 'generate'].includes(context)) state.codeFailure = code ?? null;
      message = `your edited code failed${place(code?.where ?? null)}: ${code?.message}. The Code panel shows where`;
    }
    if (context === 'dataset') {
      state.refused = state.pending;
      state.pending = null;
      this.becomeReady(); // on the dataset it had (a restarted Python could not read the user's file again)
      return this.render(); // the dataset panel says what was wrong
    }
    if (context === 'open') {
      if (state.opening && run === state.opening.id) { // the runs panel says what was wrong
        this.status.textContent = state.opening.status;
        state.opening = null;
      }
      return this.render();
    }
    // the panel that asked says what was wrong
    if (['describe', 'generate', 'checkpoint', 'inspect', 'draw', 'gradient-check', 'script-check'].includes(context)) {
      return this.render();
    }
    state.requested = null;
    if (context === 'train' || context === 'resume') {
      const what = cause === 'input' ? 'Training stopped' : 'Training failed'; // diverged, the code, or a bug
      if (state.run) state.run.finished = state.hasWeights;
      return this.setPhase(state.hasWeights ? 'stopped' : 'ready', `${what}: ${message}`);
    }
    this.setPhase(state.phase, `Error (${context}): ${message}`);
  }

  /** @param {string} message */
  crash(message) {
    this.python = false;
    this.state.requested = null;
    this.state.opening = null;
    this.setPhase('crashed', `${message}. Press “Restart Python” to try again; your settings and dataset are kept.`);
  }

  // ---- phases ----

  /** @param {string} phase @param {string} [statusText] */
  setPhase(phase, statusText) {
    this.state.phase = phase;
    this.status.dataset.phase = phase;
    if (statusText) this.status.textContent = statusText;
    else if (phase === 'training') this.status.textContent = this.trainingStatus();
    else if (phase === 'ready') this.status.textContent = 'Ready.';
    this.state.statusAt = performance.now();
    this.render();
  }

  trainingStatus() {
    const { step, steps, seconds, stepAtStart, script } = this.onScreen();
    if (script) {
      if (!steps) return `Running ${script.name}…`;
      return `Running ${script.name}: step ${step} / ${steps} · ${rate(step, seconds)} steps/s · ` +
        `${formatSeconds((steps - step) * seconds / step)} left`;
    }
    if (step === stepAtStart) return `Training: ${step ? `from step ${step}` : 'starting'}, ${steps} steps…`;
    const perSecond = (step - stepAtStart) / seconds;
    return `Training: step ${step} / ${steps} · ${rate(step - stepAtStart, seconds)} steps/s · ` +
      `${formatSeconds((steps - step) / perSecond)} left`;
  }
}

/**
 * @param {number} id @param {string} key @param {Config} config @param {Dataset} dataset @param {string[]} code
 * @returns {Run}
 */
function newRun(id, key, config, dataset, code) {
  return {
    id, key, config, dataset, numParams: 0, steps: config?.steps ?? 0, step: 0, stepAtStart: 0, seconds: 0,
    secondsBefore: 0, losses: [], names: [], caption: '', created: Date.now(), finished: false, vocabSize: 0, code,
  };
}

/** ` (model.py, line 57)`, ` (model.py)` or nothing. @param {{file: string, line: number | null} | null} where */
export function place(where) {
  if (!where) return '';
  return where.line ? ` (${where.file}, line ${where.line})` : ` (${where.file})`;
}

/** @param {number} bytes */
function mb(bytes) {
  return (bytes / 1e6).toFixed(1);
}

/** @param {number} steps @param {number} seconds */
export function rate(steps, seconds) {
  return seconds > 0 ? (steps / seconds).toFixed(1) : '–';
}

/** @param {number} seconds */
export function formatSeconds(seconds) {
  if (!Number.isFinite(seconds)) return '–';
  if (seconds < 59.95) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)} min ${whole % 60} s`;
}
