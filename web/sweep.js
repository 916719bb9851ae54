// Sweeps: several runs trained at once, each in a trainer worker of its own (worker.js, spoken to with protocol.js's
// messages, as the shell speaks to its own), as many at once as the machine has cores to spare and memory for; the
// rest wait in a queue. The shell owns the pool; the runs panel draws and acts on its runs, the compare panel asks it
// for held-out losses. A worker is reused for the next run in the queue and ended once nothing waits for it, so the
// pool never keeps a worker it does not use (`workers` counts them).

import { FIELDS, MAX_ATTENTION_SIZE, MAX_MODEL_SIZE, MAX_OUTPUT_SIZE, MAX_PARAMS } from './settings.js';

/** @typedef {import('./protocol.js').Config} Config */
/** @typedef {import('./protocol.js').Reply} Reply */
/** @typedef {import('./protocol.js').Request} Request */
/** @typedef {import('./protocol.js').Edits} Edits */
/** @typedef {import('./protocol.js').Heldout} Heldout */

/**
 * A run of a sweep: the shell's Run (so the runs panel keeps it as it keeps any run), and where it is in the pool:
 * `state`, queued until a worker takes it; `requested`, a pause or stop asked for and not yet done; `message`, why
 * it failed; `checkpoint` and `csv`, its checkpoint file and its losses as CSV (Python's, as #download-losses
 * gives them), fetched from its worker when it ends, before the worker takes another run; `startedAt`, `endedAt`:
 * when its training started and ended (performance.now()).
 * @typedef {import('./app.js').Run & {state: SweepState, requested: 'pause' | 'stop' | null, message: string,
 *            wasmBytes: number, startedAt: number, endedAt: number, checkpoint: Saved | null,
 *            csv: {name: string, csv: string} | null}} SweepRun
 * @typedef {'queued' | 'starting' | 'training' | 'paused' | 'done' | 'stopped' | 'failed'} SweepState
 * @typedef {{step: number, name: string, bytes: ArrayBuffer, seconds: number}} Saved  a checkpoint file as the
 *          worker made it (protocol.js's Checkpoint)
 * @typedef {{name: string | null, bytes: ArrayBuffer | null, sha256: string}} PoolDataset  the dataset the pool's
 *          workers read (null bytes: the built-in names)
 * @typedef {{runs: number[][], bytes: ArrayBuffer, resolve: (reply: Heldout) => void,
 *            reject: (error: Error) => void}} Job  a held-out loss to compute
 * @typedef {{worker: Worker, ready: boolean, run: SweepRun | null, job: Job | null,
 *            waiting: Map<string, {resolve: (reply: any) => void, reject: (error: Error) => void}[]>}} Slot  a
 *          worker: `ready` once it has read the dataset; what it does (a run, or a held-out job); the replies it is
 *          asked for, by type, in order
 */

/** The runs that have ended, one way or another. */
export const ENDED = ['done', 'stopped', 'failed'];

/**
 * What one worker may need, about, in bytes: Python and the package (~60 MB of WebAssembly memory measured), and a
 * training step's graph, up to ~460 MB at the bounds of settings.js (measured natively there).
 */
const WORKER_BYTES = 64 * 2 ** 20;
const STEP_BYTES_AT_LIMIT = 460 * 2 ** 20;
/** The share of the device's memory (navigator.deviceMemory, else 4 GB) that a sweep's workers may take. */
const MEMORY_SHARE = 0.5;

/**
 * How many runs of these settings train at once on this machine, and why: a core each, keeping one for the page
 * (navigator.hardwareConcurrency - 1, at least 1), and no more than the memory for them.
 * @param {Config[]} configs @param {number} vocabSize
 * @returns {{atOnce: number, why: string}}
 */
export function atOnce(configs, vocabSize) {
  const cores = navigator.hardwareConcurrency || 1;
  const byCores = Math.max(1, cores - 1);
  const need = Math.max(...configs.map((c) => stepBytes(c, vocabSize))) + WORKER_BYTES;
  /** @type {number | undefined} Chromium's, in GB (at most 8); other browsers do not tell */
  const deviceMemory = /** @type {any} */ (navigator).deviceMemory;
  const budget = (deviceMemory || 4) * 2 ** 30 * MEMORY_SHARE;
  const byMemory = Math.max(1, Math.floor(budget / need));
  const n = Math.min(byCores, byMemory, configs.length);
  const coresText = `${cores} core${cores === 1 ? '' : 's'}${cores > 1 ? ', one kept for the page' : ''}`;
  const why = byMemory < byCores && byMemory < configs.length
    ? `memory: each run may need ~${Math.round(need / 2 ** 20)} MB, of ~${Math.round(budget / 2 ** 20)} MB for them`
    : coresText;
  return { atOnce: n, why };
}

/** A step's memory, about, from the model's size against the bounds of settings.js. @param {Config} c @param {number} vocab */
function stepBytes(c, vocab) {
  const params = vocab * c.n_embd * 2 + c.block_size * c.n_embd + 12 * c.n_layer * c.n_embd ** 2;
  const share = Math.max(c.n_layer * c.n_embd ** 2 * c.block_size / MAX_MODEL_SIZE,
    c.n_layer * c.n_head * c.block_size ** 2 / MAX_ATTENTION_SIZE, vocab * c.n_embd * c.block_size / MAX_OUTPUT_SIZE,
    params / MAX_PARAMS);
  return share * STEP_BYTES_AT_LIMIT;
}

/**
 * A run of a sweep in a few words: the values it was given of the swept settings.
 * @param {{runs: SweepRun[]}} sweep @param {SweepRun} run @param {number} i
 */
export function sweepLabel(sweep, run, i) {
  const varied = FIELDS.filter((f) => new Set(sweep.runs.map((r) => r.config[f.key])).size > 1);
  return varied.length ? varied.map((f) => `${f.label.toLowerCase()} ${run.config[f.key]}`).join(', ') : `copy ${i + 1}`;
}

/** The settings a file's name already tells (checkpoint.file_name: `names-s42-1x16-step300of1000`), and how a name
 * tells each of the others, as its CLI flag shortened. */
const IN_NAME = ['steps', 'seed', 'n_layer', 'n_embd'];
/** @type {Partial<Record<keyof Config, string>>} */
const NAME_TAGS = { learning_rate: 'lr', temperature: 't', samples: 'samples', n_head: 'h', block_size: 'block' };

/**
 * A file of a sweep's run (its checkpoint, its losses CSV) named apart from the other runs' files: the name the
 * worker gives it (the single run's, checkpoint.file_name) with the swept values it does not tell, before its step
 * (`names-s42-1x16-lr0.01-step300of300.losses.csv`), so the browser does not number the downloads (1), (2).
 * @param {SweepRun[]} runs the sweep's @param {SweepRun} run @param {string} name
 */
export function sweepFileName(runs, run, name) {
  const tags = FIELDS.filter((f) => !IN_NAME.includes(f.key) && new Set(runs.map((r) => r.config[f.key])).size > 1)
    .map((f) => `${NAME_TAGS[f.key]}${run.config[f.key]}`);
  return tags.length ? name.replace(/(-step\d+of\d+)(?=\.[^-]*$)/, `-${tags.join('-')}$1`) : name;
}

export class Pool {
  /** @param {() => void} changed called after every change of a run or of the workers */
  constructor(changed) {
    this.changed = changed;
    /** @type {Slot[]} */
    this.slots = [];
    /** @type {SweepRun[]} the runs of the sweep, in its order */
    this.runs = [];
    /** @type {Job[]} held-out losses waiting for a worker */
    this.jobs = [];
    /** @type {PoolDataset | null} */
    this.dataset = null;
    /** @type {Edits} */
    this.code = {};
    this.limit = 1;
    this.held = false; // the whole sweep paused: queued runs wait
    this.failure = ''; // a worker could not start: what it said
  }

  /** Live workers. */
  get workers() {
    return this.slots.length;
  }

  /** Whether a run has ended and its worker has let go of it (its losses and checkpoint kept, if it had any).
   * @param {SweepRun} run */
  settled(run) {
    return ENDED.includes(run.state) && !this.slotOf(run);
  }

  /**
   * Train these runs (a new sweep: the workers of any previous one are ended first), `limit` at once.
   * @param {SweepRun[]} runs @param {PoolDataset} dataset @param {Edits} code @param {number} limit
   */
  start(runs, dataset, code, limit) {
    this.terminate();
    Object.assign(this, { runs, dataset, code, limit, held: false, failure: '' });
    this.schedule();
  }

  /** End every worker at once (Reset, a new sweep): runs that had not ended are stopped where they were. */
  terminate() {
    for (const slot of this.slots) this.end(slot);
    for (const run of this.runs) {
      if (!ENDED.includes(run.state)) Object.assign(run, { state: 'stopped', finished: true, requested: null });
    }
    for (const job of this.jobs.splice(0)) job.reject(new Error('the comparison was closed'));
    this.changed();
  }

  // ---- one run, or all ----

  /** @param {SweepRun} run */
  pause(run) {
    const slot = this.slotOf(run);
    if (!slot || run.requested) return;
    run.requested = 'pause';
    if (run.state === 'training') send(slot, { type: 'pause', run: run.id });
    this.changed();
  }

  /** @param {SweepRun} run */
  resume(run) {
    const slot = this.slotOf(run);
    if (!slot) return;
    if (run.requested === 'pause') run.requested = null; // asked while it started: not sent yet
    if (run.state === 'paused') send(slot, { type: 'resume', run: run.id });
    this.changed();
  }

  /** @param {SweepRun} run */
  stop(run) {
    if (run.state === 'queued') {
      Object.assign(run, { state: 'stopped', finished: true });
      return this.schedule();
    }
    const slot = this.slotOf(run);
    if (!slot || run.requested === 'stop') return;
    run.requested = 'stop';
    if (run.state !== 'starting') send(slot, { type: 'stop', run: run.id }); // else once it has started
    this.changed();
  }

  pauseAll() {
    this.held = true;
    for (const run of this.runs) if (run.state === 'training' || run.state === 'starting') this.pause(run);
    this.changed();
  }

  resumeAll() {
    this.held = false;
    for (const run of this.runs) {
      if (run.requested === 'pause') run.requested = null;
      if (run.state === 'paused') this.resume(run);
    }
    this.schedule();
  }

  stopAll() {
    for (const run of this.runs) if (!ENDED.includes(run.state)) this.stop(run);
    this.schedule();
  }

  // ---- what a run holds ----

  /**
   * The run's losses as CSV, as #download-losses gives them (session.losses_csv): kept when it ended, else asked of
   * its worker.
   * @param {SweepRun} run @returns {Promise<{name: string, csv: string}>}
   */
  async lossesCsv(run) {
    if (run.csv) return run.csv;
    const slot = this.slotOf(run);
    if (!slot || run.state === 'starting') throw new Error('this run has no losses yet');
    return this.named(run, await ask(slot, { type: 'losses-csv' }, 'losses-csv'));
  }

  /**
   * The run's checkpoint file: kept when it ended, else made by its worker now.
   * @param {SweepRun} run @returns {Promise<Saved>}
   */
  async checkpointOf(run) {
    if (run.checkpoint) return run.checkpoint;
    const slot = this.slotOf(run);
    if (!slot || run.state === 'starting') throw new Error('this run has no weights yet');
    return this.named(run, await ask(slot, { type: 'checkpoint', run: run.id, purpose: 'download' }, 'checkpoint'));
  }

  /** A file of the run, named apart from the other runs' (sweepFileName).
   * @template {{name: string}} F @param {SweepRun} run @param {F} file @returns {F} */
  named(run, file) {
    return { ...file, name: sweepFileName(this.runs, run, file.name) };
  }

  /**
   * The held-out loss of the model in a checkpoint file, on the documents chosen for comparing `runs` ([seed, steps]
   * each), on `dataset`: in a worker of the pool, which starts one if none is free.
   * @param {ArrayBuffer} bytes @param {number[][]} runs @param {PoolDataset} dataset @returns {Promise<Heldout>}
   */
  heldout(bytes, runs, dataset) {
    if (this.dataset?.sha256 !== dataset.sha256) {
      if (this.runs.some((run) => !ENDED.includes(run.state))) {
        return Promise.reject(new Error('a sweep on another dataset is training: its loss waits for the sweep'));
      }
      for (const slot of this.slots) this.end(slot); // idle, on the other dataset
      this.dataset = dataset;
    }
    return new Promise((resolve, reject) => {
      this.jobs.push({ runs, bytes: bytes.slice(0), resolve, reject });
      this.schedule();
    });
  }

  // ---- the workers ----

  /** Give free workers work, start workers for waiting work (up to the limit), end workers with nothing to do. */
  schedule() {
    for (const slot of this.slots) if (slot.ready && !slot.run && !slot.job) this.assign(slot);
    const limit = Math.max(this.limit, this.jobs.length ? 1 : 0);
    // a worker still starting takes the next waiting work once it is ready
    while (!this.failure && this.slots.length < limit && this.waiting() > this.slots.length - this.busy()) {
      this.spawn();
    }
    for (const slot of [...this.slots]) if (slot.ready && !slot.run && !slot.job) this.end(slot);
    this.changed();
  }

  /** Runs and jobs that wait for a worker. */
  waiting() {
    return (this.held ? 0 : this.runs.filter((run) => run.state === 'queued').length) + this.jobs.length;
  }

  busy() {
    return this.slots.filter((slot) => slot.run || slot.job).length;
  }

  /** @param {Slot} slot */
  assign(slot) {
    const run = this.held ? undefined : this.runs.find((r) => r.state === 'queued');
    if (run) {
      Object.assign(run, { state: 'starting' });
      slot.run = run;
      send(slot, { type: 'train', config: run.config, run: run.id, code: this.code });
      return;
    }
    const job = this.jobs.shift();
    if (job) {
      slot.job = job;
      send(slot, { type: 'heldout', id: 0, runs: job.runs, bytes: job.bytes });
    }
  }

  spawn() {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    /** @type {Slot} */
    const slot = { worker, ready: false, run: null, job: null, waiting: new Map() };
    worker.onmessage = (event) => this.onReply(slot, event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      this.failed(slot, event.message || 'a worker failed to start');
    };
    this.slots.push(slot);
  }

  /** @param {Slot} slot */
  end(slot) {
    slot.worker.terminate();
    this.slots = this.slots.filter((s) => s !== slot);
    for (const waiters of slot.waiting.values()) for (const { reject } of waiters) reject(new Error('the worker ended'));
    slot.waiting.clear();
    slot.job?.reject(new Error('the worker ended'));
    slot.job = null;
  }

  /** @param {SweepRun} run */
  slotOf(run) {
    return this.slots.find((slot) => slot.run === run);
  }

  /** @param {Slot} slot @param {Reply} message */
  onReply(slot, message) {
    if (!this.slots.includes(slot)) return; // ended meanwhile
    const { run } = slot;
    switch (message.type) {
      case 'ready': {
        const { name, bytes } = /** @type {PoolDataset} */ (this.dataset);
        send(slot, { type: 'dataset', name, bytes: bytes && bytes.slice(0) });
        return;
      }
      case 'dataset':
        slot.ready = true;
        return this.schedule();
      case 'started':
        if (!run || message.run !== run.id) return;
        Object.assign(run, { state: 'training', steps: message.steps, numParams: message.numParams,
          startedAt: performance.now() });
        // asked while it started: acted on now that the worker knows the run
        if (run.requested === 'stop') send(slot, { type: 'stop', run: run.id });
        else if (run.requested === 'pause') send(slot, { type: 'pause', run: run.id });
        break;
      case 'progress':
        if (!run || message.run !== run.id) return;
        run.losses.push(...message.losses);
        Object.assign(run, { step: message.step, seconds: message.seconds, wasmBytes: message.wasmBytes });
        break;
      case 'paused':
        if (!run || message.run !== run.id) return;
        Object.assign(run, { state: run.requested === 'stop' ? run.state : 'paused',
          requested: run.requested === 'stop' ? 'stop' : null });
        break;
      case 'resumed':
        if (!run || message.run !== run.id) return;
        run.state = 'training';
        break;
      case 'stopped':
        if (!run || message.run !== run.id) return;
        Object.assign(run, { state: 'stopped', requested: null, finished: true, endedAt: performance.now() });
        this.keep(slot, run);
        break;
      case 'done':
        if (!run || message.run !== run.id) return;
        Object.assign(run, { state: 'done', requested: null, finished: true, seconds: message.seconds,
          names: message.names, endedAt: performance.now(),
          caption: `Final samples after ${run.steps} steps (temperature ${run.config.temperature})` });
        this.keep(slot, run);
        break;
      case 'heldout':
        slot.job?.resolve(message);
        slot.job = null;
        return this.schedule();
      case 'losses-csv':
      case 'checkpoint':
        slot.waiting.get(message.type)?.shift()?.resolve(message);
        return;
      case 'error':
        return this.onError(slot, message);
      default:
        return; // loading progress, previews
    }
    this.changed();
  }

  /**
   * A run has ended: keep its losses and its checkpoint (its worker is about to take another run), then free it.
   * @param {Slot} slot @param {SweepRun} run
   */
  async keep(slot, run) {
    try {
      run.csv = this.named(run, await ask(slot, { type: 'losses-csv' }, 'losses-csv'));
      run.checkpoint = this.named(run, await ask(slot, { type: 'checkpoint', run: run.id, purpose: 'autosave' },
        'checkpoint'));
    } catch (error) {
      if (!run.message) run.message = `its losses and checkpoint could not be kept: ${error?.message ?? error}`;
    }
    if (slot.run === run) slot.run = null;
    this.schedule();
  }

  /** @param {Slot} slot @param {import('./protocol.js').WorkerError} error */
  onError(slot, error) {
    const waiter = slot.waiting.get(error.context)?.shift();
    if (waiter) return waiter.reject(new Error(error.message));
    if (error.context === 'heldout') {
      slot.job?.reject(new Error(error.message));
      slot.job = null;
      return this.schedule();
    }
    if (error.context === 'load' || error.cause === 'fatal') return this.failed(slot, error.message);
    const { run } = slot;
    if (!run || (error.context !== 'train' && error.context !== 'resume')) return;
    // diverged, a bad setting, or a failure of the code: the run ends there, with its losses so far
    const trained = run.state !== 'starting';
    Object.assign(run, { state: 'failed', requested: null, finished: true, message: error.message,
      endedAt: performance.now() });
    if (trained) {
      this.keep(slot, run);
    } else {
      slot.run = null;
      this.schedule();
    }
  }

  /** A worker that cannot go on: it ends, and with it the run it trained; a worker that could not start stops the
   * sweep's queue (another would fail the same way), saying why. @param {Slot} slot @param {string} text */
  failed(slot, text) {
    const { run, ready } = slot;
    this.end(slot);
    if (run) Object.assign(run, { state: 'failed', finished: true, message: text, endedAt: performance.now() });
    if (!ready) {
      this.failure = text;
      for (const queued of this.runs) {
        if (queued.state === 'queued') Object.assign(queued, { state: 'failed', finished: true, message: text });
      }
      for (const job of this.jobs.splice(0)) job.reject(new Error(text));
    }
    this.schedule();
  }
}

/** @param {Slot} slot @param {Request} message */
function send(slot, message) {
  /** @type {Transferable[]} */
  const transfer = [];
  if ('bytes' in message && message.bytes) transfer.push(message.bytes);
  slot.worker.postMessage(message, transfer);
}

/**
 * Ask a worker for a reply of this type (they come in the order asked).
 * @template {'losses-csv' | 'checkpoint'} T @param {Slot} slot @param {Request} message @param {T} type
 * @returns {Promise<any>}
 */
function ask(slot, message, type) {
  return new Promise((resolve, reject) => {
    if (!slot.waiting.has(type)) slot.waiting.set(type, []);
    /** @type {NonNullable<ReturnType<Slot['waiting']['get']>>} */ (slot.waiting.get(type)).push({ resolve, reject });
    send(slot, message);
  });
}
