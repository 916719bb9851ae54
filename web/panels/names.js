// The generated names: previews while training, names generated on demand, and the final samples. The run keeps
// what is shown (its names and caption), so a kept or restored run shows its names again.

import { byId } from '../dom.js';

/** @typedef {import('../protocol.js').Name} Name */
/** @typedef {import('../app.js').Run} Run */

/** How long names from "Generate now" stay during training before a preview replaces them (previews come ~1/s). */
const GENERATED_KEEP_MS = 5000;

const EMPTY = 'Names appear here while the model trains.';

/** @param {import('../app.js').App} app */
export function mountNames(app) {
  const list = byId('names');
  const caption = byId('names-caption');
  const error = byId('names-error');
  let keepUntil = 0; // names generated during training stay this long before previews replace them
  /** @type {Run | null} the run whose names are shown */
  let shown = null;
  // the run these replies are about: the one on screen (the shell drops replies about any other)
  const onScreen = () => /** @type {Run} */ (app.state.run);

  app.on('preview', (/** @type {import('../protocol.js').Preview} */ message) => {
    if (performance.now() < keepUntil) return; // the user's generated names are still being read
    show(message.names, `Preview at step ${message.step} (temperature ${onScreen().config.temperature})`);
  });
  app.on('generated', (/** @type {import('../protocol.js').Generated} */ message) => {
    const { temperature } = app.state.form.config ?? onScreen().config;
    show(message.names, `Generated now at step ${onScreen().step} (temperature ${temperature})`);
    if (app.state.phase === 'training') keepUntil = performance.now() + GENERATED_KEEP_MS;
  });
  app.on('done', (/** @type {import('../protocol.js').Done} */ message) => {
    const { steps, config } = onScreen();
    show(message.names, `Final samples after ${steps} steps (temperature ${config.temperature})`);
  });
  app.on('script-done', (/** @type {import('../protocol.js').ScriptDone} */ message) => {
    const { name } = /** @type {NonNullable<Run['script']>} */ (onScreen().script); // a script's run
    show(message.names, message.names.length ? `The samples ${name} printed`
      : `${name} printed no samples (lines such as “sample 1: kamon”).`);
  });
  app.on('error', (/** @type {import('../protocol.js').WorkerError} */ { context, message }) => {
    if (context !== 'generate') return;
    error.textContent = `Could not generate names: ${message}`;
    error.hidden = false;
  });

  /** @param {Name[]} names @param {string} text */
  function show(names, text) {
    Object.assign(onScreen(), { names, caption: text });
    draw(names, text);
  }

  /** @param {Name[]} names @param {string} text */
  function draw(names, text) {
    caption.textContent = text;
    error.hidden = true;
    list.replaceChildren(...names.map(({ text: name, known }) => {
      const item = document.createElement('li');
      item.className = `name ${known ? 'known' : 'new'}${name ? '' : ' empty'}`;
      // names are the model's output, from the user's data: text only, never HTML; in a <bdi>, so that a
      // right-to-left mark in one cannot turn its label (style.css) or its neighbours round
      const isolated = document.createElement('bdi');
      isolated.textContent = name;
      item.append(isolated);
      // an empty name (the model ended it at once) shows as such (style.css), its text staying the name itself
      item.title = `${name ? '' : 'an empty name: the model ended it at the first letter; '}` +
        `${known ? 'in the training data' : 'new: not in the training data'}`;
      return item;
    }));
  }

  let sweeping = false;
  app.onRender((/** @type {import('../app.js').App['state']} */ { run, sweep }) => {
    if (run === shown && sweeping === Boolean(!run && sweep)) return;
    shown = run; // another run on screen: its own names, or none yet
    sweeping = Boolean(!run && sweep);
    keepUntil = 0;
    if (run?.names.length) draw(run.names, run.caption);
    else if (run?.script) draw([], 'The names the script prints appear here when it ends.');
    else if (sweeping) draw([], 'A sweep has no run on screen: each run\'s final names are under Compare runs, side by side.');
    else draw([], run?.step ? 'Press “Generate now” for names from these weights.' : EMPTY);
  });
}
