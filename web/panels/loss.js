// The loss panel: the chart of the run on screen, live, beside the kept runs picked for comparison (the runs panel
// puts them in `state.compared`), the uniform-guessing line, and the latest smoothed loss in figures.

import { LossChart } from '../chart.js';
import { byId } from '../dom.js';

/** @typedef {import('../app.js').App['state']} State */

/** @param {import('../app.js').App} app */
export function mountLoss(app) {
  const container = byId('loss-chart');
  const chart = new LossChart(container);
  const now = byId('loss-now');
  /** @type {import('../app.js').Run | null} the run on the chart */
  let shown = null;
  /** @type {State['compared'] | null} */
  let compared = null;
  let written = 0; // when the figures were last written: they change with every chunk, read once a second is enough

  app.on('progress', (/** @type {import('../protocol.js').Progress} */ message) => {
    if (shown === app.state.run) chart.add(message.step - message.losses.length + 1, message.losses);
    if (performance.now() - written > 1000) figures();
  });
  app.on('paused', () => figures());
  app.on('done', () => figures());
  app.on('stopped', () => figures());
  app.on('script-done', () => figures());

  /** ln(vocabulary): the loss of a model that gives every token the same probability, before it has learned. */
  function figures() {
    written = performance.now();
    const vocab = shown?.vocabSize;
    const smoothed = chart.latest();
    const parts = [];
    if (smoothed !== null && shown) parts.push(`Smoothed loss ${smoothed.toFixed(3)} at step ${shown.step}`);
    if (vocab) parts.push(`uniform guessing among ${vocab} tokens: ln ${vocab} = ${Math.log(vocab).toFixed(3)}`);
    now.textContent = parts.join(' · ');
  }

  let sweeping = false;
  app.onRender((/** @type {State} */ { run, compared: runs, sweep }) => {
    if (runs !== compared) {
      compared = runs;
      chart.compare(runs);
    }
    if (run === shown && sweeping === Boolean(!run && sweep)) return;
    // a sweep without a run on screen has no loss here: its runs' are on the comparison's chart
    sweeping = Boolean(!run && sweep);
    container.hidden = sweeping;
    if (sweeping) {
      shown = run;
      now.textContent = 'A sweep trains its runs in workers of their own: their losses are on the chart under ' +
        'Compare runs, each in its colour. Open a paused or ended run from the list to see it here.';
      return;
    }
    shown = run; // another run on screen (or none): its whole history so far
    chart.baseline(run?.vocabSize ? Math.log(run.vocabSize) : null);
    chart.reset();
    if (run?.losses.length) chart.add(1, run.losses);
    figures();
  });
}
