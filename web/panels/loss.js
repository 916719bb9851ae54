// The loss panel: the chart of the run on screen, live, beside the kept runs picked for comparison (the runs panel
// puts them in `state.compared`).

import { LossChart } from '../chart.js';
import { byId } from '../dom.js';

/** @param {import('../app.js').App} app */
export function mountLoss(app) {
  const chart = new LossChart(byId('loss-chart'));
  let shown = null; // the run on the chart
  let compared = null;

  app.on('progress', (message) => {
    if (shown === app.state.run) chart.add(message.step - message.losses.length + 1, message.losses);
  });
  app.onRender(({ run, compared: runs }) => {
    if (runs !== compared) {
      compared = runs;
      chart.compare(runs);
    }
    if (run === shown) return;
    shown = run; // another run on screen (or none): its whole history so far
    chart.reset();
    if (run?.losses.length) chart.add(1, run.losses);
  });
}
