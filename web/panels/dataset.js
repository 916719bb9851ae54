// The dataset: the built-in names or the user's own text file, read by the worker exactly as the CLI reads a file.
// The line under the heading describes the dataset and the model of the run on screen (or, with none, of the form).

import { byId, count, quote } from '../dom.js';

/** @typedef {{name: string | null, bytes: ArrayBuffer | null}} DatasetChoice  a file's name and bytes, or nulls */

/** The largest dataset the page reads, as microgpt.data.MAX_DATASET_BYTES (the CLI's limit too). */
export const MAX_DATASET_BYTES = 50 * 1024 * 1024;

/** @param {import('../app.js').App} app */
export function mountDataset(app) {
  const ui = { info: byId('dataset-info'), file: /** @type {HTMLInputElement} */ (byId('dataset-file')),
    builtin: /** @type {HTMLButtonElement} */ (byId('dataset-builtin')), error: byId('dataset-error') };

  ui.file.addEventListener('change', async () => {
    const file = ui.file.files?.[0];
    if (!file) return;
    if (file.size > MAX_DATASET_BYTES) {
      showError(`${quote(file.name)} is ${(file.size / 1024 / 1024).toFixed(1)} MB; the limit is 50 MB. Pick a smaller file.`);
      return;
    }
    try {
      ui.error.hidden = true;
      app.loadDataset(file.name, await file.arrayBuffer());
    } catch (error) {
      showError(`Could not read ${quote(file.name)}: ${error.message}`);
    }
  });
  ui.builtin.addEventListener('click', () => {
    ui.error.hidden = true;
    app.loadDataset(null, null);
  });
  app.on('dataset', () => {
    if (app.state.dataset.name === null) ui.file.value = ''; // so picking the same file again is a change
  });
  app.on('error', (/** @type {import('../protocol.js').WorkerError} */ { context, message }) => {
    const refused = /** @type {DatasetChoice | null} */ (app.state.refused);
    if (context === 'dataset') showError(`${quote(refused?.name ?? 'names.txt')}: ${message}.`);
  });

  /** @param {string} message */
  function showError(message) {
    ui.error.textContent = `${message} The dataset in use is unchanged.`;
    ui.error.hidden = false;
    ui.file.value = '';
    app.render();
  }

  app.onRender((/** @type {import('../app.js').App['state']} */ state) => {
    const { phase, run } = state;
    const pending = /** @type {DatasetChoice | null} */ (state.pending);
    const active = phase === 'training' || phase === 'paused';
    const live = phase !== 'loading' && phase !== 'crashed';
    ui.file.disabled = !live || active || Boolean(pending) || Boolean(state.opening);
    ui.builtin.disabled = ui.file.disabled;
    const info = state.dataset.info;
    ui.builtin.hidden = !info || info.builtin;
    if (pending && live) {
      ui.info.textContent = `Reading ${pending.name === null ? 'the built-in names' : quote(pending.name)}…`;
    } else if (info) {
      // the parameter count of the run on screen, else of the settings in the form while they are valid
      const params = run ? run.numParams || undefined : state.form.config ? state.form.numParams : undefined;
      const name = info.builtin ? 'Built-in names (names.txt)' : info.name;
      ui.info.textContent = `${name}: ${count(info.documents, 'document')}, ` +
        `vocabulary of ${state.dataset.vocabSize.toLocaleString('en')}` +
        (params === undefined ? '.' : `, ${count(params, 'parameter')}.`);
    }
  });
}
