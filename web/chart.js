// The loss chart: uPlot, step on x, the raw loss and a smoothed curve. `add()` only appends to arrays; the chart
// redraws at most once per animation frame, however many losses arrive in between.

import uPlot from './vendor/uplot/uPlot.esm.js';

const SMOOTHING = 0.95; // weight of the past in the moving average, as TensorBoard's smoothing slider

/** Distances between the step axis's ticks: whole steps only (1, 2, 5, 10, 20, 50, ...), never 2.5. */
const STEP_INCREMENTS = Array.from({ length: 21 }, (_, i) => [1, 2, 5][i % 3] * 10 ** Math.floor(i / 3));

export class LossChart {
  /** @param {HTMLElement} container */
  constructor(container) {
    this.container = container;
    this.steps = [];
    this.raw = [];
    this.smooth = [];
    this.average = 0;
    this.frame = 0;
    this.plot = new uPlot(this.options(), [this.steps, this.raw, this.smooth], container);
    new ResizeObserver(() => this.plot.setSize(this.size())).observe(container);
  }

  size() {
    const width = Math.max(200, this.container.clientWidth);
    return { width, height: Math.round(Math.min(320, Math.max(200, width * 0.45))) };
  }

  options() {
    return {
      ...this.size(),
      scales: { x: { time: false } },
      axes: [{ label: 'step', incrs: STEP_INCREMENTS }, { label: 'loss' }],
      legend: { live: true },
      series: [
        { label: 'step' },
        { label: 'loss', stroke: 'rgba(37, 99, 235, 0.35)', width: 1, points: { show: false } },
        { label: 'smoothed', stroke: '#c2410c', width: 2, points: { show: false } },
      ],
    };
  }

  reset() {
    this.steps.length = this.raw.length = this.smooth.length = 0;
    this.average = 0;
    // uPlot keeps the last scales when its data empties: a new plot shows no trace of the old run's axes
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.plot.destroy();
    this.plot = new uPlot(this.options(), [this.steps, this.raw, this.smooth], this.container);
  }

  /** @param {number} firstStep the step of losses[0] @param {ArrayLike<number>} losses */
  add(firstStep, losses) {
    for (let i = 0; i < losses.length; i++) {
      this.average = SMOOTHING * this.average + (1 - SMOOTHING) * losses[i];
      this.steps.push(firstStep + i);
      this.raw.push(losses[i]);
      this.smooth.push(this.average / (1 - SMOOTHING ** this.steps.length)); // bias-corrected, as Adam's moments
    }
    this.redraw();
  }

  redraw() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.plot.setData([this.steps, this.raw, this.smooth]);
    });
  }
}
