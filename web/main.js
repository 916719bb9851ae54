// The page: binds the settings form, the dataset picker, the buttons, the chart and the names to the worker.
// It never computes anything about the model; it sends requests and shows replies (protocol.js).

import { LossChart } from './chart.js';
import { FIELDS, cliCommand, fieldId, fromHash, parse, toHash } from './settings.js';

/** @typedef {import('./protocol.js').Reply} Reply */

const MAX_DATASET_BYTES = 50 * 1024 * 1024;
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

const ui = {
  status: $('status'), train: $('train'), pause: $('pause'), stop: $('stop'), reset: $('reset'),
  generate: $('generate'), download: $('download-losses'), restart: $('restart'), fields: $('fields'),
  cli: $('cli-command'), datasetInfo: $('dataset-info'), datasetFile: /** @type {HTMLInputElement} */ ($('dataset-file')),
  datasetBuiltin: $('dataset-builtin'), datasetError: $('dataset-error'),
  // `#samples` is both the --samples field (made below) and this list, as the page's contract names them
  samples: document.querySelector('ol#samples'),
  samplesCaption: $('samples-caption'), namesError: $('names-error'), controls: $('controls'),
};

/**
 * Everything the page knows. `phase`: loading | ready | training | paused | stopped | done | crashed.
 * `dataset.bytes` is kept so a restarted worker gets the same data.
 */
const state = {
  phase: 'loading',
  dataset: { name: null, bytes: null, info: null },
  pending: null, // a dataset sent to the worker and not yet accepted
  config: null, // the settings of the form, null while a field is invalid
  run: null, // {id, config, steps, step, seconds} of the current run; replies about other runs are dropped
  runs: 0, // runs started so far: the next run's id
  hasWeights: false,
  lossCount: 0,
  offerRestart: false, // after an internal error: the runtime may be unusable, so offer a fresh one
  statusAt: 0, // when the status text last changed (performance.now())
  requested: null, // 'pause', 'resume' or 'stop' sent and not yet done: a slow step may take seconds to end
  keepNamesUntil: 0, // names generated during training stay this long before previews replace them
};

/** The status is a live region, read out by screen readers at each change: while training it changes once a second. */
const STATUS_EVERY_MS = 1000;

/** How long names from "Generate now" stay during training before a preview replaces them (previews come ~1/s). */
const GENERATED_KEEP_MS = 5000;

// main.js runs: the hint for a page opened as a file (where module scripts cannot load) is not needed
$('load-hint').remove();

// the sticky controls must not hide what keyboard focus scrolls to: scrolling keeps clear of their height
new ResizeObserver(() => {
  document.documentElement.style.setProperty('--controls-height', `${ui.controls.offsetHeight}px`);
}).observe(ui.controls);

const chart = new LossChart($('loss-chart'));
let worker = startWorker();

// ---- settings form ----

const inputs = {};
for (const f of FIELDS) {
  const id = fieldId(f);
  const wrapper = document.createElement('div');
  wrapper.className = 'field';
  const label = document.createElement('label');
  label.htmlFor = id;
  label.textContent = f.label;
  const flag = document.createElement('span');
  flag.className = 'flag';
  flag.textContent = f.flag;
  label.append(' ', flag);
  const input = document.createElement('input');
  Object.assign(input, { id, name: id, type: 'text', autocomplete: 'off', spellcheck: false });
  input.inputMode = f.kind === 'int' ? 'numeric' : 'decimal';
  input.setAttribute('aria-describedby', `${id}-error`);
  const error = document.createElement('p');
  error.id = `${id}-error`;
  error.className = 'error';
  wrapper.append(label, input, error);
  ui.fields.append(wrapper);
  inputs[f.key] = { input, error };
  input.addEventListener('input', onSettingsChanged);
}
fillForm(fromHash(location.hash));
window.addEventListener('hashchange', () => {
  if (location.hash !== toHash(formTexts())) fillForm(fromHash(location.hash));
});

function fillForm(texts) {
  for (const f of FIELDS) inputs[f.key].input.value = texts[f.key];
  onSettingsChanged();
}

function formTexts() {
  return Object.fromEntries(FIELDS.map((f) => [f.key, inputs[f.key].input.value]));
}

function onSettingsChanged() {
  const texts = formTexts();
  const { config, errors } = parse(texts, state.dataset.info?.vocabSize);
  for (const f of FIELDS) {
    const { input, error } = inputs[f.key];
    error.textContent = errors[f.key] || '';
    input.setAttribute('aria-invalid', String(Boolean(errors[f.key])));
  }
  state.config = config;
  const hash = toHash(texts);
  if (location.hash !== hash) history.replaceState(null, '', hash || location.pathname + location.search);
  ui.cli.textContent = config ? cliCommand(config, state.dataset.name) : 'Fix the settings marked above.';
  describe();
  render();
}

/** Ask the worker for the parameter count of the current settings on the current dataset. */
function describe() {
  if (state.config && state.dataset.info && state.phase !== 'loading' && state.phase !== 'crashed') {
    send({ type: 'describe', config: state.config });
  }
}

// ---- dataset ----

ui.datasetFile.addEventListener('change', async () => {
  const file = ui.datasetFile.files[0];
  if (!file) return;
  if (file.size > MAX_DATASET_BYTES) {
    showDatasetError(`${file.name} is ${(file.size / 1024 / 1024).toFixed(1)} MB; the limit is 50 MB. Pick a smaller file.`);
    return;
  }
  try {
    loadDataset(file.name, await file.arrayBuffer());
  } catch (error) {
    showDatasetError(`Could not read ${file.name}: ${error.message}`);
  }
});
ui.datasetBuiltin.addEventListener('click', () => loadDataset(null, null));

function loadDataset(name, bytes) {
  state.pending = { name, bytes }; // one at a time: the dataset controls wait for the worker's answer
  ui.datasetError.hidden = true;
  if (state.phase !== 'loading' && state.phase !== 'crashed') {
    send({ type: 'dataset', name: name ?? 'names.txt', bytes: bytes && bytes.slice(0) });
  }
  render();
}

function showDatasetError(message) {
  ui.datasetError.textContent = `${message} The dataset in use is unchanged.`;
  ui.datasetError.hidden = false;
  ui.datasetFile.value = '';
  render();
}

// ---- buttons ----

ui.train.addEventListener('click', () => {
  if (!state.config) return;
  clearRun();
  state.run = { id: ++state.runs, config: state.config, steps: state.config.steps, step: 0, seconds: 0 };
  setPhase('training');
  send({ type: 'train', config: state.config, run: state.run.id });
});
ui.pause.addEventListener('click', () => request(state.phase === 'paused' ? 'resume' : 'pause'));
ui.stop.addEventListener('click', () => request('stop'));

/** Pause, resume or stop: acted on between two steps, which for a large model can be seconds away. */
function request(type) {
  // the buttons stay enabled (keyboard focus stays on them): a repeat waits, a stop overrides a pending pause
  if (state.requested === type || state.requested === 'stop') return;
  state.requested = type;
  send({ type });
  if (type === 'resume') return render();
  setPhase(state.phase, `${type === 'pause' ? 'Pausing' : 'Stopping'} after the current step…`);
}

ui.reset.addEventListener('click', () => {
  if (state.phase === 'training' || state.phase === 'paused') send({ type: 'stop' });
  clearRun();
  setPhase('ready');
});

/** Forget the current run: its chart, names and losses (the worker's replies about it are dropped from now on). */
function clearRun() {
  chart.reset();
  clearNames('Names appear here while the model trains.');
  state.run = null;
  state.lossCount = 0;
  state.hasWeights = false;
  state.requested = null;
}

ui.generate.addEventListener('click', () => {
  // the form's count and temperature, which may differ from the run's: an invalid form disables this button
  send({ type: 'generate', run: state.run.id, count: state.config.samples, temperature: state.config.temperature });
});
ui.download.addEventListener('click', () => send({ type: 'losses-csv' }));
ui.restart.addEventListener('click', () => {
  worker.terminate();
  state.offerRestart = false;
  clearRun();
  setPhase('loading', 'Loading the Python runtime…');
  worker = startWorker();
});

// ---- the worker ----

function startWorker() {
  const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  w.onmessage = (event) => onReply(event.data);
  w.onerror = (event) => {
    event.preventDefault();
    crash(event.message || 'the worker failed to start');
  };
  return w;
}

function send(message) {
  worker.postMessage(message, message.bytes ? [message.bytes] : []);
}

/** @param {Reply} message */
function onReply(message) {
  if ('run' in message && message.run !== state.run?.id) return; // about a run that was reset or replaced
  switch (message.type) {
    case 'ready': {
      ui.status.dataset.readyMs = performance.now().toFixed(0); // since navigation started; for benchmarks
      setPhase('ready', `Ready: Python ${message.python} loaded in ${message.seconds.toFixed(1)} s.`);
      const { name, bytes } = state.pending ?? state.dataset;
      loadDataset(name, bytes);
      break;
    }
    case 'dataset':
      state.dataset = { ...state.pending, info: message };
      state.pending = null;
      if (state.phase === 'done' || state.phase === 'stopped') {
        clearRun(); // its weights were trained on the previous dataset: the names, CSV and command would not match
        setPhase('ready');
      }
      ui.datasetBuiltin.hidden = state.dataset.name === null;
      if (state.dataset.name === null) ui.datasetFile.value = ''; // so picking the same file again is a change
      onSettingsChanged(); // the CLI command names the file; the parameter count depends on the vocabulary
      break;
    case 'described':
      state.dataset.info.numParams = message.numParams;
      render();
      break;
    case 'started':
      state.run.steps = message.steps;
      state.hasWeights = true;
      state.offerRestart = false;
      render();
      break;
    case 'progress': {
      const first = state.lossCount === 0;
      chart.add(message.step - message.losses.length + 1, message.losses);
      Object.assign(state.run, { step: message.step, seconds: message.seconds });
      state.lossCount = message.step;
      // machine-readable progress, for scripts and benchmarks that drive the page
      Object.assign(ui.status.dataset, { step: message.step, seconds: message.seconds, wasmBytes: message.wasmBytes });
      const due = performance.now() - state.statusAt >= STATUS_EVERY_MS;
      if (state.phase === 'training' && !state.requested && due) setPhase('training');
      else if (first) render(); // the losses can be downloaded now
      break;
    }
    case 'preview':
      if (performance.now() < state.keepNamesUntil) break; // the user's generated names are still being read
      showNames(message.names, `Preview at step ${message.step} (temperature ${state.run.config.temperature})`);
      break;
    case 'generated': {
      const { temperature } = state.config ?? state.run.config;
      showNames(message.names, `Generated now at step ${state.run.step} (temperature ${temperature})`);
      if (state.phase === 'training') state.keepNamesUntil = performance.now() + GENERATED_KEEP_MS;
      break;
    }
    case 'paused':
      state.requested = null;
      setPhase('paused', `Paused at step ${message.step} of ${state.run.steps}.`);
      break;
    case 'resumed':
      state.requested = null;
      setPhase('training');
      break;
    case 'stopped':
      state.requested = null;
      setPhase('stopped', `Stopped at step ${message.step} of ${state.run.steps}.`);
      break;
    case 'done': {
      state.requested = null;
      const { steps, config } = state.run;
      state.run.seconds = message.seconds;
      showNames(message.names, `Final samples after ${steps} steps (temperature ${config.temperature})`);
      setPhase('done', `Done: ${steps} steps in ${formatSeconds(message.seconds)} (${rate(steps, message.seconds)} steps/s).`);
      break;
    }
    case 'losses-csv':
      saveFile('microgpt-losses.csv', message.csv, 'text/csv');
      break;
    case 'error':
      onWorkerError(message);
      break;
  }
}

/** @param {import('./protocol.js').WorkerError} error */
function onWorkerError({ context, message, cause }) {
  if (context === 'load') return crash(`Could not load the Python runtime: ${message}`);
  if (cause === 'fatal') return crash(`Python stopped working: ${message}`);
  if (cause === 'internal') state.offerRestart = true; // a bug, not the user's input: the runtime may be unusable
  if (context === 'dataset') {
    const name = state.pending?.name ?? 'names.txt';
    state.pending = null;
    return showDatasetError(`${name}: ${message}.`);
  }
  if (context === 'describe') return render(); // the form's own checks show what is wrong with the settings
  if (context === 'generate') {
    ui.namesError.textContent = `Could not generate names: ${message}`;
    ui.namesError.hidden = false;
    return render();
  }
  state.requested = null;
  if (context === 'train' || context === 'resume') {
    const what = cause === 'input' ? 'Training stopped' : 'Training failed'; // diverged, or a bug
    return setPhase(state.hasWeights ? 'stopped' : 'ready', `${what}: ${message}`);
  }
  setPhase(state.phase, `Error (${context}): ${message}`);
}

function crash(message) {
  state.requested = null;
  setPhase('crashed', `${message}. Press “Restart Python” to try again; your settings and dataset are kept.`);
}

// ---- rendering ----

function setPhase(phase, statusText) {
  state.phase = phase;
  ui.status.dataset.phase = phase;
  if (statusText) ui.status.textContent = statusText;
  else if (phase === 'training') ui.status.textContent = trainingStatus();
  else if (phase === 'ready') ui.status.textContent = 'Ready.';
  state.statusAt = performance.now();
  render();
}

function trainingStatus() {
  const { step, steps, seconds } = state.run;
  if (step === 0) return `Training: starting ${steps} steps…`;
  const perSecond = step / seconds;
  return `Training: step ${step} / ${steps} · ${rate(step, seconds)} steps/s · ${formatSeconds((steps - step) / perSecond)} left`;
}

function render() {
  const { phase } = state;
  const active = phase === 'training' || phase === 'paused';
  const live = phase !== 'loading' && phase !== 'crashed';
  const focused = document.activeElement;
  ui.train.disabled = !(live && !active && state.config && state.dataset.info && !state.pending);
  ui.pause.disabled = !active;
  ui.pause.textContent = phase === 'paused' ? 'Resume' : 'Pause';
  ui.stop.disabled = !active;
  ui.reset.disabled = !(live && state.run);
  ui.generate.disabled = !(live && state.hasWeights && state.config);
  ui.download.disabled = !(live && state.lossCount > 0);
  ui.restart.hidden = !(phase === 'crashed' || state.offerRestart);
  ui.datasetFile.disabled = !live || active || Boolean(state.pending);
  ui.datasetBuiltin.disabled = !live || active || Boolean(state.pending);
  // a button that has just disabled itself (Train, Stop) would drop keyboard focus to the page: pass it on
  if (focused instanceof HTMLButtonElement && focused.disabled) {
    [ui.pause, ui.stop, ui.train, ui.generate].find((button) => !button.disabled)?.focus();
  }
  const info = state.dataset.info;
  if (state.pending && live) {
    ui.datasetInfo.textContent = `Reading ${state.pending.name ?? 'the built-in names'}…`;
  } else if (info) {
    // the parameter count of the settings in the form, while they are valid
    const params = info.numParams === undefined || !state.config ? '' : `, ${count(info.numParams, 'parameter')}`;
    const name = state.dataset.name === null ? 'Built-in names (names.txt)' : state.dataset.name;
    ui.datasetInfo.textContent = `${name}: ${count(info.documents, 'document')}, ` +
      `vocabulary of ${info.vocabSize.toLocaleString('en')}${params}.`;
  }
}

function count(n, noun) {
  return `${n.toLocaleString('en')} ${noun}${n === 1 ? '' : 's'}`;
}

function clearNames(caption) {
  ui.samples.replaceChildren();
  ui.samplesCaption.textContent = caption;
  ui.namesError.hidden = true;
  state.keepNamesUntil = 0;
}

/** @param {import('./protocol.js').Name[]} names */
function showNames(names, caption) {
  ui.samplesCaption.textContent = caption;
  ui.namesError.hidden = true;
  ui.samples.replaceChildren(...names.map(({ text, known }) => {
    const item = document.createElement('li');
    item.className = `name ${known ? 'known' : 'new'}`;
    item.textContent = text; // names are the model's output, from the user's data: text only, never HTML
    item.title = known ? 'in the training data' : 'new: not in the training data';
    return item;
  }));
}

function saveFile(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function rate(steps, seconds) {
  return seconds > 0 ? (steps / seconds).toFixed(1) : '–';
}

function formatSeconds(seconds) {
  if (!Number.isFinite(seconds)) return '–';
  if (seconds < 59.95) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)} min ${whole % 60} s`;
}
