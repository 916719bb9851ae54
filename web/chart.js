// The loss chart: uPlot, step on x, the raw loss and a smoothed curve, the smoothed curves of other runs to
// compare with (`compare()`), and a dashed line at the loss of uniform guessing (`baseline()`). `add()` only appends
// to arrays; the chart redraws at most once per animation frame, however many losses arrive in between.

import uPlot from './vendor/uplot/uPlot.esm.js';

const SMOOTHING = 0.95; // weight of the past in the moving average, as TensorBoard's smoothing slider

/** Colours of the compared runs' curves (the current run's are blue and orange); past them, dashed again. */
const COLOURS = ['#7c3aed', '#059669', '#db2777', '#0891b2', '#a16207', '#4b5563', '#dc2626', '#4d7c0f', '#1d4ed8',
  '#9333ea'];

/** The colour of the `i`-th compared run's curve (the compare panel's table shows it too). @param {number} i */
export const colour = (i) => COLOURS[i % COLOURS.length];

/** Its dash: solid for the first round of colours, dashed for the next. @param {number} i */
const dash = (i) => (i < COLOURS.length ? [] : [6, 3]);

/** Distances between the step axis's ticks: whole steps only (1, 2, 5, 10, 20, 50, ...), never 2.5. */
const STEP_INCREMENTS = Array.from({ length: 21 }, (_, i) => [1, 2, 5][i % 3] * 10 ** Math.floor(i / 3));

export class LossChart {
  /**
   * @param {HTMLElement} container
   * @param {{current?: boolean}} [options] `current: false`: only the compared runs (the compare panel's chart)
   */
  constructor(container, { current = true } = {}) {
    this.container = container;
    this.current = current;
    /** @type {number[]} */
    this.steps = [];
    /** @type {number[]} */
    this.raw = [];
    /** @type {number[]} */
    this.smooth = [];
    this.average = 0;
    this.frame = 0;
    /** @type {{label: string, smooth: number[]}[]} */
    this.others = [];
    /** @type {number | null} the loss of guessing uniformly among the vocabulary, ln(vocabulary size) */
    this.uniform = null;
    this.plot = new uPlot(this.options(), this.data(), container);
    new ResizeObserver(() => this.plot.setSize(this.size())).observe(container);
  }

  size() {
    const width = Math.max(200, this.container.clientWidth);
    return { width, height: Math.round(Math.min(320, Math.max(200, width * 0.45))) };
  }

  /** @returns {uPlot.Options} */
  options() {
    return {
      ...this.size(),
      // the y axis always shows the uniform-guessing line, where every run starts
      scales: { x: { time: false }, y: { range: (u, min, max) => this.range(min, max) } },
      hooks: { draw: [(u) => this.drawBaseline(u)] },
      axes: [{ label: 'step', incrs: STEP_INCREMENTS }, { label: 'loss' }],
      legend: { live: true },
      series: [
        { label: 'step' },
        ...(this.current ? [
          { label: 'loss', stroke: 'rgba(37, 99, 235, 0.35)', width: 1, points: { show: false } },
          { label: 'smoothed', stroke: '#c2410c', width: 2, points: { show: false } },
        ] : []),
        ...this.others.map((other, i) => ({
          label: other.label, stroke: colour(i), width: this.current ? 1.5 : 2,
          dash: this.current ? [6, 3] : dash(i), points: { show: false },
        })),
      ],
    };
  }

  /**
   * The plotted arrays: the current run's as they are; with other runs, all padded to the longest.
   * @returns {uPlot.AlignedData}
   */
  data() {
    if (this.others.length === 0) return this.current ? [this.steps, this.raw, this.smooth] : [[]];
    const length = Math.max(this.steps.length, ...this.others.map((other) => other.smooth.length));
    /** @param {number[]} values */
    const pad = (values) => Array.from({ length }, (_, i) => (i < values.length ? values[i] : null));
    const steps = Array.from({ length }, (_, i) => i + 1);
    return [steps, ...(this.current ? [pad(this.raw), pad(this.smooth)] : []),
      ...this.others.map((other) => pad(other.smooth))];
  }

  /**
   * Show other runs' smoothed losses beside the current run's; the same runs again (their losses grown) redraw
   * without building the chart anew.
   * @param {{label: string, losses: ArrayLike<number>}[]} runs
   */
  compare(runs) {
    const same = runs.length === this.others.length && runs.every((run, i) => run.label === this.others[i].label);
    this.others = runs.map(({ label, losses }) => ({ label, smooth: smoothed(losses) }));
    if (same) this.redraw();
    else this.rebuild();
  }

  /** @param {number | null} loss the uniform-guessing loss to mark, or null for none */
  baseline(loss) {
    if (loss === this.uniform) return;
    this.uniform = loss;
    this.rebuild();
  }

  /** @param {number | null} min @param {number | null} max @returns {[number, number]} */
  range(min, max) {
    const [low, high] = this.uniform === null ? [min, max] : [Math.min(min ?? this.uniform, this.uniform),
      Math.max(max ?? this.uniform, this.uniform)];
    if (low === null || high === null) return [0, 1];
    const pad = (high - low) * 0.05 || 0.5;
    return [Math.max(0, low - pad), high + pad];
  }

  /** @param {uPlot} u */
  drawBaseline(u) {
    if (this.uniform === null) return;
    const y = Math.round(u.valToPos(this.uniform, 'y', true));
    const { ctx } = u;
    const { left, width } = u.bbox;
    ctx.save();
    ctx.strokeStyle = '#6b7280';
    ctx.setLineDash([4 * devicePixelRatio, 4 * devicePixelRatio]);
    ctx.lineWidth = devicePixelRatio;
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(left + width, y);
    ctx.stroke();
    ctx.fillStyle = '#4b5563';
    ctx.font = `${12 * devicePixelRatio}px system-ui, sans-serif`;
    ctx.textAlign = 'right';
    ctx.fillText('uniform guessing', left + width - 4 * devicePixelRatio, y - 4 * devicePixelRatio);
    ctx.restore();
  }

  /** The latest smoothed loss, or null before the first step. */
  latest() {
    return this.smooth.length ? this.smooth[this.smooth.length - 1] : null;
  }

  reset() {
    this.steps.length = this.raw.length = this.smooth.length = 0;
    this.average = 0;
    this.rebuild();
  }

  rebuild() {
    // uPlot keeps the last scales when its data empties: a new plot shows no trace of the old run's axes
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.plot.destroy();
    this.plot = new uPlot(this.options(), this.data(), this.container);
  }

  /** @param {number} firstStep the step of losses[0] @param {ArrayLike<number>} losses */
  add(firstStep, losses) {
    for (let i = 0; i < losses.length; i++) {
      this.average = SMOOTHING * this.average + (1 - SMOOTHING) * losses[i];
      this.steps.push(firstStep + i);
      this.raw.push(losses[i]);
      this.smooth.push(debiased(this.average, this.steps.length));
    }
    this.redraw();
  }

  redraw() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.plot.setData(this.data());
    });
  }
}

/**
 * The moving average after `n` losses, bias-corrected as Adam's moments are.
 * @param {number} average @param {number} n
 */
function debiased(average, n) {
  return average / (1 - SMOOTHING ** n);
}

/**
 * The smoothed curve of a whole loss history, as `add()` computes it step by step.
 * @param {ArrayLike<number>} losses
 */
export function smoothed(losses) {
  let average = 0;
  return Array.from(losses, (loss, i) => {
    average = SMOOTHING * average + (1 - SMOOTHING) * loss;
    return debiased(average, i + 1);
  });
}
