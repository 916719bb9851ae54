// The controls: Train, Pause/Resume, Stop, Reset, Generate now, Download losses and Restart Python. They ask the
// shell to act; which of them can be pressed follows the phase. With a sweep on screen, Train starts it and Pause,
// Stop and Reset act on all its runs.

import { byId, saveFile } from '../dom.js';

/** @typedef {import('../app.js').App['state']} State */

/** @param {import('../app.js').App} app */
export function mountControls(app) {
  /** @type {Record<'train' | 'pause' | 'stop' | 'reset' | 'generate' | 'download' | 'restart', HTMLButtonElement>} */
  const ui = {
    train: byId('train'), pause: byId('pause'), stop: byId('stop'), reset: byId('reset'), generate: byId('generate'),
    download: byId('download-losses'), restart: byId('restart'),
  };
  ui.train.addEventListener('click', () => {
    const { config, configs, texts } = app.state.form;
    if (configs) app.sweep(configs, texts); // lists in the settings: a sweep
    else if (config) app.train(config);
  });
  ui.pause.addEventListener('click', () => app.request(app.state.phase === 'paused' ? 'resume' : 'pause'));
  ui.stop.addEventListener('click', () => app.request('stop'));
  ui.reset.addEventListener('click', () => app.reset());
  // the form's count and temperature, which may differ from the run's: an invalid form disables this button
  ui.generate.addEventListener('click', () => {
    const { config } = app.state.form;
    if (config) app.generate(config.samples, config.temperature);
  });
  ui.download.addEventListener('click', () => app.send({ type: 'losses-csv' }));
  ui.restart.addEventListener('click', () => app.restart());
  app.on('losses-csv', (/** @type {import('../protocol.js').LossesCsv} */ message) => {
    saveFile(message.name, message.csv, 'text/csv');
  });

  app.onRender((/** @type {State} */ state) => {
    const { phase, run } = state;
    const active = phase === 'training' || phase === 'paused';
    const live = phase !== 'loading' && phase !== 'crashed';
    const focused = document.activeElement;
    ui.train.disabled = !(live && !active && state.form.config && state.dataset.info && !state.pending && !state.opening);
    // while a checkpoint opens, the run on screen may be about to go: only Reset (which cancels the opening) acts
    ui.pause.disabled = !active || Boolean(state.opening);
    ui.stop.disabled = ui.pause.disabled;
    if (run?.script) ui.pause.disabled = true; // a script runs to its end: it can only be stopped
    ui.pause.textContent = phase === 'paused' ? 'Resume' : 'Pause';
    ui.reset.disabled = !(live && (run || state.opening || state.sweep));
    ui.generate.disabled = !(live && state.hasWeights && state.form.config);
    // one at a time: while names are drawn the button says so (and stays focusable; a press then does nothing)
    ui.generate.textContent = state.generating ? 'Generating…' : 'Generate now';
    ui.generate.setAttribute('aria-busy', String(state.generating));
    // a script's losses are what it printed (four decimals): its output is the download (#download-output)
    ui.download.disabled = !(live && run && !run.script && run.losses.length > 0);
    ui.restart.hidden = !(phase === 'crashed' || state.offerRestart);
    // a button that has just disabled itself (Train, Stop) would drop keyboard focus to the page: pass it on
    if (focused instanceof HTMLButtonElement && focused.disabled) {
      // (the buttons are sticky: focusing one would scroll the page back to where they sit in it)
      [ui.pause, ui.stop, ui.train, ui.generate].find((button) => !button.disabled)?.focus({ preventScroll: true });
    }
  });
}
