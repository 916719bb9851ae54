// A heatmap on a canvas: one square per value, rows down and columns across, labelled with short texts, and a
// readout that names the square under the pointer (hover, or tap on a phone). Rows may be shorter than others
// (attention's rows end at the diagonal); missing squares stay blank. Used by the attention and positions views.

const MAX_SIDE_PX = 260; // the grid's size at most, in CSS pixels: a block of 256 positions gets 1 px squares
const MAX_CELL_PX = 22;
const LABEL_PX = 16; // the gutter for the row and column labels

/** Sequential: 0 white to 1 dark blue (a weight, a probability). @param {number} value */
export function blues(value) {
  const t = Math.max(0, Math.min(1, value));
  return `rgb(${Math.round(255 - 225 * t)}, ${Math.round(255 - 190 * t)}, ${Math.round(255 - 100 * t)})`;
}

/** Diverging: -1 blue, 0 white, 1 red (a cosine similarity). @param {number} value */
export function redBlue(value) {
  const t = Math.max(-1, Math.min(1, value));
  const fade = (/** @type {number} */ c) => Math.round(255 - (255 - c) * Math.abs(t));
  return t >= 0 ? `rgb(${fade(200)}, ${fade(40)}, ${fade(40)})` : `rgb(${fade(37)}, ${fade(99)}, ${fade(235)})`;
}

export class Heatmap {
  /**
   * @param {HTMLElement} container where the canvas goes
   * @param {{label: string, colour: (v: number) => string, readout: HTMLElement,
   *          describe: (row: number, col: number, value: number) => string,
   *          pick?: (row: number, col: number) => void}} options  `label`: what the picture shows, for screen
   *          readers (the numbers are in a table beside it); `pick`: called when a square is clicked
   */
  constructor(container, { label, colour, readout, describe, pick }) {
    this.canvas = document.createElement('canvas');
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', label);
    this.canvas.className = 'heatmap';
    container.append(this.canvas);
    this.colour = colour;
    this.readout = readout;
    this.describe = describe;
    this.pick = pick;
    /** @type {ArrayLike<number>[]} */
    this.rows = [];
    this.cell = 0;
    /** @param {MouseEvent} event @returns {[number, number] | null} the row and column under the pointer */
    const at = (event) => {
      const box = this.canvas.getBoundingClientRect();
      const row = Math.floor((event.clientY - box.top - LABEL_PX) / this.cell);
      const col = Math.floor((event.clientX - box.left - LABEL_PX) / this.cell);
      return row >= 0 && col >= 0 && row < this.rows.length && col < this.rows[row].length ? [row, col] : null;
    };
    this.canvas.addEventListener('pointermove', (event) => {
      const hit = at(event);
      if (hit) this.readout.textContent = this.describe(...hit, this.rows[hit[0]][hit[1]]);
    });
    this.canvas.addEventListener('click', (event) => {
      const hit = at(event);
      if (!hit) return;
      this.readout.textContent = this.describe(...hit, this.rows[hit[0]][hit[1]]);
      this.pick?.(...hit);
    });
  }

  /** @param {ArrayLike<number>[]} rows @param {string[]} labels one per row (and column) */
  update(rows, labels) {
    this.rows = rows;
    const n = Math.max(rows.length, ...rows.map((row) => row.length));
    this.cell = Math.max(1, Math.min(MAX_CELL_PX, Math.floor(MAX_SIDE_PX / n)));
    const side = LABEL_PX + n * this.cell;
    const ratio = window.devicePixelRatio || 1;
    Object.assign(this.canvas, { width: side * ratio, height: side * ratio });
    this.canvas.style.width = this.canvas.style.height = `${side}px`;
    const ctx = /** @type {CanvasRenderingContext2D} */ (this.canvas.getContext('2d')); // a canvas of its own
    ctx.scale(ratio, ratio);
    ctx.clearRect(0, 0, side, side);
    rows.forEach((row, r) => {
      for (let c = 0; c < row.length; c++) {
        ctx.fillStyle = this.colour(row[c]);
        ctx.fillRect(LABEL_PX + c * this.cell, LABEL_PX + r * this.cell, this.cell, this.cell);
      }
    });
    if (this.cell < 9) return; // too small to label
    ctx.fillStyle = '#1f2328';
    ctx.font = `${Math.min(12, this.cell - 2)}px ui-monospace, monospace`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    // every label if they fit, else every second, third...: the rest can be read by hovering
    const widest = Math.max(...labels.slice(0, n).map((label) => ctx.measureText(label).width));
    const every = Math.ceil((widest + 2) / this.cell);
    labels.slice(0, n).forEach((label, i) => {
      if (i % every) return;
      const middle = LABEL_PX + (i + 0.5) * this.cell;
      ctx.fillText(label, middle, LABEL_PX / 2, this.cell); // across the top: the columns
      ctx.fillText(label, LABEL_PX / 2, middle, LABEL_PX); // down the side: the rows
    });
  }
}
