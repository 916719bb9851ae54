// The web worker: the only module that touches Pyodide. It loads the runtime and the microgpt wheel once, then
// trains in chunks of at most CHUNK_SECONDS, yielding to its event loop between chunks so that pause, stop and
// generate take effect within a chunk. Everything it posts is plain data (see protocol.js).
//
// A worker named SCRIPT_WORKER is instead a Python for the user's scripts (Run a script): it checks them and runs one,
// then the page ends it, since a script may change anything in its Python. Before it answers anything, it takes the
// network, the page's storage and the way to the page itself out of its global scope, which a script reaches as the
// `js` module (confine()).

import { loadPyodide, indexURL, lockFileURL, runtimeBytes } from './runtime.js';
import { CHUNK_SECONDS, PREVIEW_COUNT, PREVIEW_EVERY, SCRIPT_OUTPUT_KEPT, SCRIPT_WORKER } from './protocol.js';

/** @typedef {import('./protocol.js').Request} Request */
/** @typedef {Awaited<ReturnType<typeof loadPyodide>>} Pyodide */

const scripts = self.name === SCRIPT_WORKER;
const postToPage = self.postMessage.bind(self); // kept before confine() takes postMessage away from a script
const started = performance.now();
let booted = false;
countDownloads();
// The lock file (it names the wheel by its hash) and session.py are always revalidated with the server: a cached
// copy from before a deploy would name a wheel that is gone, or call an API the new wheel no longer has.
const fresh = (/** @type {string | URL} */ url) => fetch(url, { cache: 'no-cache' }).then((r) => {
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.text();
});
const lockFileContents = fresh(lockFileURL);
const sessionSource = fresh(new URL('session.py', import.meta.url));
const runtime = Promise.race([boot(), missingFiles()]);
/** @type {number | null} the page's id of the run that can still train (null once it is done or stopped) */
let run = null;
/** @type {number | null} the page's id of the run whose weights are here after it ended (done or stopped) */
let finished = null;
let running = false; // that run is training, not paused
let loop = 0; // the id of the one training loop allowed to go on: a newer one (train, resume) ends older ones

/** Pyodide with microgpt (its wheel is listed in the lock file, so it downloads while the runtime boots). */
async function boot() {
  const pyodide = await loadPyodide({ indexURL, lockFileContents, packageBaseUrl: indexURL, packages: ['microgpt'] });
  pyodide.FS.writeFile('/home/pyodide/session.py', await sessionSource);
  const module = pyodide.pyimport('session');
  const session = module.Session();
  module.destroy();
  const python = pyodide.runPython('import sys; sys.version.split()[0]');
  booted = true;
  if (scripts) confine(pyodide);
  post({ type: 'ready', seconds: (performance.now() - started) / 1000, python });
  return { pyodide, session };
}

/** What a script's Python may not reach: the network, the page's storage (the user's kept runs), other workers and
 * the page (it could answer for this worker). Names of the worker's global scope, and of its navigator. */
const CONFINED = ['fetch', 'XMLHttpRequest', 'WebSocket', 'WebSocketStream', 'EventSource', 'WebTransport',
  'importScripts', 'indexedDB', 'caches', 'cookieStore', 'BroadcastChannel', 'Worker', 'SharedWorker', 'postMessage'];
const CONFINED_NAVIGATOR = ['storage', 'locks', 'serviceWorker'];
/** What would let it evaluate JavaScript of its own, which could `import()` a module from any address (the page's
 * policy does not reach a worker, and import() is syntax: no property to take away): eval, the function
 * constructors and timers given a string. */
const CONFINED_CODE = ['eval', 'Function'];
const TIMERS = /** @type {const} */ (['setTimeout', 'setInterval']);

/**
 * Take CONFINED off the global scope and off its prototypes (where the browser defines most of them), and put in
 * their place a property whose use raises an error saying why: `from js import fetch`, `pyodide.http.open_url()` and
 * `js.indexedDB` fail with that message; CONFINED_CODE and the function constructors become functions that raise
 * it, and the timers refuse a string. What is taken is gone for every caller: only this module's postToPage
 * still reaches the page. Writes to the file descriptors 1 and 2 (os.write(1, ...), a C extension's printf) are
 * the script's output too.
 */
/** @param {Pyodide} pyodide */
function confine(pyodide) {
  const refuse = (/** @type {string} */ name) => ({
    get() {
      throw new Error(`this page runs scripts offline and away from its storage by design: ${name} is not ` +
        'available to them; the script reads its data from input.txt, the page\'s dataset');
    },
    configurable: false,
  });
  /** @type {[object, string[]][]} */
  const confined = [[self, CONFINED], [navigator, CONFINED_NAVIGATOR]];
  for (const [scope, names] of confined) {
    for (const name of names) {
      takeAway(scope, name);
      Object.defineProperty(scope, name, refuse(name));
    }
  }
  // in their place, functions of the same name and prototype that refuse: `x instanceof Function` and
  // `f.constructor.name`, which Pyodide's conversions use, still answer as before
  const refused = (/** @type {string} */ name, /** @type {object | undefined} */ prototype) => {
    const f = function () {
      refuse(name).get();
    };
    Object.defineProperty(f, 'name', { value: name });
    if (prototype) f.prototype = prototype;
    return f;
  };
  for (const name of CONFINED_CODE) {
    const original = /** @type {{prototype?: object}} */ (self[/** @type {'eval' | 'Function'} */ (name)]);
    takeAway(self, name);
    const value = refused(name, original.prototype);
    Object.defineProperty(self, name, { value, configurable: false, writable: false });
  }
  // a function's constructor evaluates its arguments, whichever kind of function it makes
  for (const kind of [function () {}, async function () {}, function* () {}, async function* () {}]) {
    const prototype = Object.getPrototypeOf(kind);
    const value = refused(prototype.constructor.name, prototype);
    Reflect.deleteProperty(prototype, 'constructor');
    Object.defineProperty(prototype, 'constructor', { value, configurable: false, writable: false });
  }
  for (const name of TIMERS) {
    const timer = self[name].bind(self);
    takeAway(self, name);
    /** @param {unknown} handler @param {number} [ms] @param {...unknown} args */
    const value = (handler, ms, ...args) => {
      if (typeof handler !== 'function') refuse(`${name} with a string`).get();
      return timer(/** @type {TimerHandler} */ (handler), ms, ...args);
    };
    Object.defineProperty(self, name, { value, configurable: false, writable: false });
  }
  for (const stream of /** @type {const} */ (['stdout', 'stderr'])) {
    const decoder = new TextDecoder();
    const writer = { write: (/** @type {Uint8Array} */ bytes) => {
      scriptWrite?.(stream, decoder.decode(bytes, { stream: true }));
      return bytes.length;
    } };
    if (stream === 'stdout') pyodide.setStdout(writer);
    else pyodide.setStderr(writer);
  }
}

/** Delete `name` from `scope` and from every prototype behind it. @param {object} scope @param {string} name */
function takeAway(scope, name) {
  for (let o = scope; o; o = Object.getPrototypeOf(o)) Reflect.deleteProperty(o, name);
}

/** @type {((kind: string, ...args: unknown[]) => void) | null} where the file descriptors 1 and 2 of a script's
 *  Python write, while a script runs */
let scriptWrite = null;

/**
 * Report the runtime's download as it happens: Pyodide fetches its files with the global fetch, so this wraps it and
 * counts the bytes of each runtime file's body as Pyodide reads them (decoded bytes, out of the sizes the build
 * wrote into runtime.js). A first visit on a slow link takes many seconds; from the cache it is over at once.
 */
function countDownloads() {
  const total = Object.values(runtimeBytes).reduce((a, b) => a + b, 0);
  const fetchOriginal = self.fetch.bind(self);
  let loaded = 0;
  let reported = 0;
  const report = () => {
    const now = performance.now();
    if (now - reported < 100 && loaded < total) return; // ten a second at most
    reported = now;
    post({ type: 'loading', loaded: Math.min(loaded, total), total });
  };
  self.fetch = async (input, init) => {
    const response = await fetchOriginal(input, init);
    const name = new URL(String(input instanceof Request ? input.url : input), location.href).pathname.split('/').pop() ?? '';
    if (!(name in runtimeBytes) || !response.ok || !response.body) return response;
    const counter = new TransformStream({
      transform(chunk, controller) {
        loaded += chunk.byteLength;
        report();
        controller.enqueue(chunk);
      },
    });
    const { status, statusText, headers } = response;
    return new Response(response.body.pipeThrough(counter), { status, statusText, headers });
  };
}

/**
 * Pyodide's load never settles when its WebAssembly, its standard library or a package cannot be fetched: it only
 * logs a warning. So if it is not ready within a few seconds, ask the server whether those files are there; a
 * missing one fails the load with its name. Otherwise (a slow connection) this never settles either.
 */
async function missingFiles() {
  await new Promise((resolve) => setTimeout(resolve, 3000)); // the load takes ~1 s here: nothing to check then
  if (booted) return new Promise(() => {}); // loaded (a script's Python may have no fetch any more)
  const { packages } = JSON.parse(await lockFileContents);
  const files = ['pyodide.asm.wasm', 'python_stdlib.zip', packages.microgpt.file_name];
  for (const file of files) {
    const response = await fetch(new URL(file, indexURL), { method: 'HEAD', cache: 'no-store' });
    const noHead = response.status === 405 || response.status === 501; // a server without HEAD: cannot tell
    if (!response.ok && !noHead) throw new Error(`${file.split('/').pop()} is missing from the site (HTTP ${response.status})`);
  }
  return new Promise(() => {});
}

/**
 * Call a session method with plain JS values, converted to Python (objects to dicts, typed arrays to memoryviews,
 * null to None), and convert its result back to plain JS; no Python object outlives the call.
 * @param {string} method @param {...unknown} args @returns {Promise<any>} what session.py's method returns
 */
async function call(method, ...args) {
  const { pyodide, session } = await runtime;
  const pyArgs = args.map((arg) => (arg !== null && typeof arg === 'object' ? pyodide.toPy(arg) : arg ?? undefined));
  let result;
  try {
    result = session.call(method, ...pyArgs); // through one method, which keeps a failure's exception (failure())
  } finally {
    try {
      for (const arg of pyArgs) if (arg instanceof pyodide.ffi.PyProxy) arg.destroy();
    } catch {
      // a runtime that has just failed refuses this too: the call's own error is the one to report
    }
  }
  if (!(result instanceof pyodide.ffi.PyProxy)) return result;
  try {
    return result.toJs({ dict_converter: Object.fromEntries });
  } finally {
    result.destroy();
  }
}

/** @param {import('./protocol.js').Reply} message @param {Transferable[]} [transfer] */
function post(message, transfer = []) {
  postToPage(message, transfer);
}

/** Let queued messages run: a MessageChannel round trip, which, unlike setTimeout, is not clamped to 4 ms. */
function yieldToEventLoop() {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => resolve(undefined);
    port2.postMessage(null);
  });
}

async function trainLoop() {
  const id = ++loop;
  const trained = /** @type {number} */ (run); // train and resume start a loop for the run they made or found
  while (running && id === loop) {
    const chunk = await call('run', CHUNK_SECONDS, PREVIEW_EVERY, PREVIEW_COUNT);
    const losses = Float64Array.from(chunk.losses);
    const wasmBytes = (await runtime).pyodide._module.HEAPU8.byteLength; // no public API; for memory figures
    post({ type: 'progress', run: trained, step: chunk.step, losses, seconds: chunk.seconds, wasmBytes }, [losses.buffer]);
    if (chunk.preview) post({ type: 'preview', run: trained, step: chunk.step, names: chunk.preview });
    if (chunk.done) {
      post({ type: 'done', run: trained, step: chunk.step, seconds: chunk.seconds, names: chunk.final });
      running = false;
      finished = run;
      run = null;
      return;
    }
    await yieldToEventLoop();
  }
}

/** @param {Request} message */
async function handle(message) {
  if (scripts !== (message.type === 'script' || message.type === 'script-check')) {
    throw new Error(`a ${scripts ? 'script' : 'training'} worker does not take ${JSON.stringify(message.type)}`);
  }
  switch (message.type) {
    case 'dataset': {
      // Python gets the file's bytes, never JS text: the core decodes them exactly as the CLI does.
      const bytes = message.bytes === null ? null : new Uint8Array(message.bytes);
      post({ type: 'dataset', ...(await call('load_dataset', message.name, bytes)) });
      break;
    }
    case 'open': {
      // a bad file, or one of another dataset or other edited code, raises or asks before anything changes: the run
      // here goes on (with the code it was built with: its trainer holds the modules it was made of)
      const { dataset } = message;
      const opened = await call('open', new Uint8Array(message.bytes), Boolean(dataset), dataset?.name,
        dataset?.bytes ? new Uint8Array(dataset.bytes) : null, message.code, message.askCode);
      if (opened.mismatch) { // trained on another dataset: the page asks for that one
        const { message: text, expected } = opened.mismatch;
        post({ type: 'error', context: 'open', message: text, cause: 'input', run: message.run, expected });
        break;
      }
      if (opened.code) { // made with edited code: the page shows it and asks before using it
        const names = Object.keys(opened.code.files).join(', ');
        post({ type: 'error', context: 'open', message: `this checkpoint was trained with edited code (${names})`,
          cause: 'input', run: message.run, recorded: opened.code });
        break;
      }
      running = false;
      run = message.run;
      finished = null;
      const losses = Float64Array.from(opened.losses);
      post({ type: 'opened', run, ...opened, losses }, [losses.buffer]);
      break;
    }
    case 'checkpoint': {
      if (message.run !== run && message.run !== finished) {
        throw new Error('that run is no longer here: another one has replaced it');
      }
      const started = performance.now();
      const { step, name, text } = await call('checkpoint');
      // as bytes, handed over rather than copied: the page keeps or downloads them, never reads them
      const { buffer } = new TextEncoder().encode(text);
      const seconds = (performance.now() - started) / 1000;
      post({ type: 'checkpoint', run: message.run, purpose: message.purpose, step, name, bytes: buffer, seconds },
        [buffer]);
      break;
    }
    case 'describe':
      post({ type: 'described', numParams: await call('num_params', message.config) });
      break;
    case 'train': {
      running = false; // a run still training ends here, before its successor starts
      run = finished = null;
      await call('use_code', message.code);
      const info = await call('start', message.config);
      run = message.run;
      post({ type: 'started', run, ...info });
      running = true;
      await trainLoop();
      break;
    }
    // Pause, resume and stop act on the run they name if it can still train; after its end (a race with the last
    // chunk) or once another run has replaced it, they are moot, so they are ignored rather than answered.
    case 'pause':
      if (message.run !== run || !running) break;
      running = false;
      post({ type: 'paused', run, step: await call('steps_done') });
      break;
    case 'resume':
      if (message.run !== run || running) break;
      running = true;
      post({ type: 'resumed', run, step: await call('steps_done') });
      await trainLoop();
      break;
    case 'stop':
      if (message.run !== run) break;
      running = false;
      post({ type: 'stopped', run, step: await call('steps_done') });
      finished = run;
      run = null;
      break;
    case 'generate': {
      // in parts of a chunk's time, so that Pause and Stop are not held up behind hundreds of names
      const names = [];
      while (names.length < message.count) {
        if (message.run !== run && message.run !== finished) return; // replaced: its names are moot
        names.push(...await call('generate', message.count - names.length, message.temperature, CHUNK_SECONDS));
        if (names.length < message.count) await yieldToEventLoop();
      }
      post({ type: 'generated', run: message.run, names });
      break;
    }
    case 'losses-csv':
      post({ type: 'losses-csv', ...(await call('losses_csv')) });
      break;
    case 'heldout': {
      // a comparison's held-out loss, a few documents per call: the worker reads its messages in between
      const chosen = await call('heldout_start', message.runs, message.bytes && new Uint8Array(message.bytes));
      const losses = [];
      while (losses.length < chosen.documents) {
        losses.push(...await call('heldout_losses', losses.length, CHUNK_SECONDS));
        await yieldToEventLoop();
      }
      const loss = chosen.documents ? await call('heldout_mean', losses) : null;
      post({ type: 'heldout', id: message.id, loss, ...chosen });
      break;
    }
    case 'code':
      post({ type: 'code', ...(await call('code')) });
      break;
    case 'script-check':
      post({ type: 'script-checked', id: message.id,
        ...(await call('check_script', new Uint8Array(message.bytes), message.name)) });
      break;
    case 'script':
      await runScript(message);
      break;
    case 'package': {
      const { name, bytes } = await call('package', message.code);
      const { buffer } = bytes; // a copy out of Python's memory, handed over
      post({ type: 'package', name, bytes: buffer }, [buffer]);
      break;
    }
    // Inside the model: views of the weights here, between two chunks of training (only `draw` changes anything: the
    // preview generator, as a preview does)
    case 'inspect':
    case 'draw':
    case 'gradient-check':
      if (message.run !== run && message.run !== finished) {
        throw new Error('that run is no longer here: another one has replaced it');
      }
      await inspect(message);
      break;
    default:
      throw new Error(`unknown message type ${JSON.stringify(/** @type {{type: unknown}} */ (message).type)}`);
  }
}

/** A script's output goes to the page as it is written, but in bursts of at most OUTPUT_BURST messages every
 * OUTPUT_EVERY_MS: more are gathered into the next (the page would spend its time on messages otherwise). */
const OUTPUT_EVERY_MS = 50;
const OUTPUT_BURST = 10;
const OUTPUT_MAX_CHARS = 1 << 22; // gathered output is sent at once past 4 M characters, whatever the burst
const OUTPUT_TAIL = 1 << 16; // characters of a batch sent once SCRIPT_OUTPUT_KEPT have gone: what a terminal shows
const MAX_NAMES = 1000; // the samples a script's output names that the page shows

/**
 * Run a script to its end, posting what it writes as it writes it: the worker's thread is Python's until the script
 * returns (only the page ending the worker stops it), but a message posted from inside a call still goes at once.
 * The losses and names its output prints, which session.py parses, become the run's progress and final names.
 * Output written in a burst beyond OUTPUT_BURST messages goes with the script's next write, or at its end.
 * @param {import('./protocol.js').ScriptRequest} message
 */
async function runScript({ run: id, name, bytes, exact, dataset }) {
  const { pyodide } = await runtime;
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  let step = 0;
  let steps = 0;
  /** @type {import('./protocol.js').Name[]} */
  const names = [];
  /** @type {{stream: 'stdout' | 'stderr', text: string}[]} */
  const output = [];
  let chars = 0;
  const posted = { stdout: 0, stderr: 0 }; // characters of each stream sent whole
  /** @type {number[]} */
  let losses = [];
  let window = -Infinity;
  let sent = 0;
  const flush = () => {
    for (const { stream, text } of output) {
      const whole = posted[stream] < SCRIPT_OUTPUT_KEPT;
      if (whole) posted[stream] += text.length;
      post({ type: 'script-output', run: id, stream, text: whole ? text : text.slice(-OUTPUT_TAIL) });
    }
    output.length = chars = 0;
    if (losses.length) {
      const buffer = Float64Array.from(losses);
      post({ type: 'progress', run: id, step, steps, losses: buffer, seconds: seconds(),
        wasmBytes: pyodide._module.HEAPU8.byteLength }, [buffer.buffer]);
      losses = [];
    }
  };
  const due = () => {
    const now = performance.now();
    if (now - window >= OUTPUT_EVERY_MS) [window, sent] = [now, 0];
    if (sent < OUTPUT_BURST || chars > OUTPUT_MAX_CHARS) {
      sent += 1;
      flush();
    }
  };
  // what session.py passes on; a script could call it too (it can find any object), so it is checked
  const emit = (/** @type {string} */ kind, /** @type {unknown[]} */ ...args) => {
    if (kind === 'loss') {
      const [at, total, loss] = args.map(Number);
      if (!(Number.isSafeInteger(at) && Number.isSafeInteger(total) && typeof args[2] === 'number')) return;
      [step, steps] = [at, total];
      losses.push(loss);
    } else if (kind === 'sample') {
      if (names.length < MAX_NAMES) names.push({ text: String(args[0]), known: args[1] === true });
      return;
    } else if (kind === 'stdout' || kind === 'stderr') {
      const text = String(args[0]);
      const last = output[output.length - 1];
      if (last?.stream === kind) last.text += text;
      else output.push({ stream: kind, text });
      chars += text.length;
    } else {
      return;
    }
    due();
  };
  scriptWrite = emit;
  try {
    const { status } = await call('run_script', new Uint8Array(bytes), name, exact,
      dataset && new Uint8Array(dataset), emit);
    flush();
    post({ type: 'script-done', run: id, status, step, seconds: seconds(), names });
  } finally {
    flush();
    scriptWrite = null;
  }
}

/** @param {import('./protocol.js').InspectRequest | import('./protocol.js').DrawRequest
 *          | import('./protocol.js').GradientCheckRequest} message */
async function inspect(message) {
  if (message.type === 'inspect') {
    const views = await call('inspect', message.text, message.temperature, message.views);
    post({ type: 'inspected', run: message.run, ...views });
  } else if (message.type === 'draw') {
    post({ type: 'drawn', run: message.run, text: message.text, token: await call('draw', message.text, message.temperature) });
  } else {
    post({ type: 'gradient-checked', run: message.run, ...(await call('gradient_check', message.text)) });
  }
}

self.onmessage = async (event) => {
  /** @type {Request} */
  const message = event.data;
  try {
    await handle(message);
  } catch (error) {
    // the run the failure is about: the page drops replies about a run it has replaced
    const about = message.type === 'resume' ? run
      : ABOUT_A_RUN.includes(message.type) && 'run' in message ? message.run : undefined;
    if ((message.type === 'train' || message.type === 'resume') && about === run) { // that run can train no more
      running = false;
      finished = run; // its weights are those before the failed step: they can still be saved and sampled
      run = null;
    }
    const code = await failure(error);
    post({ type: 'error', context: message.type, message: code?.message ?? describe(error),
      cause: code ? 'code' : cause(error), ...(about != null && { run: about }), ...(code && { code }) });
  }
};

/** The requests whose failure is about the run they name (a resume's is about the run here). */
const ABOUT_A_RUN = ['train', 'generate', 'open', 'script', 'checkpoint', 'inspect', 'draw', 'gradient-check'];

/** What a failure says about the page's edited code (session.failure()), or null: none, or not about the code.
 * @param {any} error what was thrown @returns {Promise<import('./protocol.js').CodeFailure | null>} */
async function failure(error) {
  if (cause(error) === 'fatal') return null;
  try {
    return (await call('failure')) ?? null;
  } catch {
    return null; // a runtime that cannot answer: the error is reported as it is
  }
}

/** Python's exceptions for bad input: microgpt raises them with a message that says what to change. */
const INPUT_ERRORS = ['ValueError', 'DatasetError', 'FloatingPointError', 'CheckpointError'];

/** @param {any} error what was thrown @returns {'input' | 'internal' | 'fatal'} see protocol.js */
function cause(error) {
  // after a fatal error (a stack overflow in WebAssembly, say) Pyodide refuses every call with this message
  if (error?.pyodide_fatal_error || /fatally failed/.test(String(error?.message))) return 'fatal';
  return INPUT_ERRORS.includes(error?.type) ? 'input' : 'internal';
}

/**
 * The useful part of an error. A Python exception's is its traceback's last line; for bad input only the message,
 * which says what was wrong and what to do.
 * @param {any} error what was thrown
 */
function describe(error) {
  const text = String(error?.message ?? error).trim();
  if (!error?.type) return text;
  const last = text.split('\n').filter(Boolean).pop() ?? text;
  return INPUT_ERRORS.includes(error.type) ? last.replace(/^[\w.]+: /, '') : last;
}

runtime.catch((error) => post({ type: 'error', context: 'load', message: describe(error), cause: 'fatal' }));
