// Embeddings: each token's embedding (a row of wte) on the two directions in which the rows differ most (principal
// components, computed by microgpt.inspect), as a labelled scatter in SVG; the vowels are coloured so the classic
// sight, vowels and consonants drifting apart, can be seen. Below it, the position embeddings' cosine similarities.
// The coordinates are also in a table for screen readers.

import { pyRepr } from '../pyrepr.js';
import { Heatmap, redBlue } from './heatmap.js';
import { shown } from './next-token.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 420;
const HEIGHT = 300;
const PAD = 18;
const VOWELS = new Set('aeiouAEIOU');

/** @param {string} tag @param {Record<string, string | number>} attributes @param {string} text */
function svg(tag, attributes = {}, text = '') {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text) node.textContent = text;
  return node;
}

export class EmbeddingsView {
  /**
   * @param {HTMLElement} container @param {HTMLElement} readout
   * @param {HTMLElement} positions @param {HTMLElement} positionsReadout
   */
  constructor(container, readout, positions, positionsReadout) {
    this.container = container;
    this.readout = readout;
    this.positions = new Heatmap(positions, {
      label: 'Cosine similarity of every two position embeddings', colour: redBlue, readout: positionsReadout,
      describe: (a, b, value) => `Positions ${a} and ${b}: cosine similarity ${pyRepr(value)}`,
    });
  }

  reset() {
    this.container.replaceChildren();
    this.readout.textContent = '';
  }

  /** @param {import('../protocol.js').Embeddings} embeddings */
  update({ tokens, points, explained, positions }) {
    const xs = points.map((p) => p[0]);
    const ys = points.map((p) => p[1]);
    /** @param {number[]} values */
    const span = (values) => Math.max(...values.map(Math.abs)) || 1; // centred data: 0 in the middle
    const [sx, sy] = [span(xs), span(ys)];
    const x = (/** @type {number} */ v) => WIDTH / 2 + (v / sx) * (WIDTH / 2 - PAD);
    const y = (/** @type {number} */ v) => HEIGHT / 2 - (v / sy) * (HEIGHT / 2 - PAD);
    const share = (/** @type {number} */ r) => `${(100 * r).toFixed(0)}%`;
    const describe = `Token embeddings on their first two principal components (${share(explained[0])} and ` +
      `${share(explained[1])} of the variance); the table after it lists the coordinates`;
    const picture = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': describe,
      class: 'scatter' });
    picture.append(
      svg('line', { x1: 0, x2: WIDTH, y1: HEIGHT / 2, y2: HEIGHT / 2, class: 'axis' }),
      svg('line', { x1: WIDTH / 2, x2: WIDTH / 2, y1: 0, y2: HEIGHT, class: 'axis' }),
      svg('text', { x: WIDTH - 4, y: HEIGHT / 2 - 4, class: 'axis-label', 'text-anchor': 'end' },
        `1st direction: ${share(explained[0])} of the variance`),
      svg('text', { x: WIDTH / 2 + 4, y: 12, class: 'axis-label' }, `2nd: ${share(explained[1])}`),
    );
    const table = document.createElement('table');
    const hidden = document.createElement('div'); // a table ignores a width of 1px: its box does not
    hidden.className = 'visually-hidden';
    hidden.append(table);
    const caption = document.createElement('caption');
    caption.textContent = 'Token embeddings on the first two principal components';
    const columns = document.createElement('tr');
    for (const title of ['token', '1st component', '2nd component']) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = title;
      columns.append(th);
    }
    table.append(caption, columns);
    tokens.forEach((token, i) => {
      const kind = token === 'BOS' ? 'bos' : VOWELS.has(token) ? 'vowel' : 'other';
      const point = svg('text', { x: x(xs[i]), y: y(ys[i]), class: `point ${kind}`, 'text-anchor': 'middle',
        'dominant-baseline': 'middle' }, shown(token));
      const text = `${token === 'BOS' ? 'end/start token' : `“${token}”`}: (${pyRepr(xs[i])}, ${pyRepr(ys[i])})`;
      point.append(svg('title', {}, text));
      point.addEventListener('click', () => { this.readout.textContent = text; });
      picture.append(point);
      const row = document.createElement('tr');
      for (const cell of [shown(token), pyRepr(xs[i]), pyRepr(ys[i])]) {
        const td = document.createElement('td');
        td.textContent = cell;
        row.append(td);
      }
      table.append(row);
    });
    this.container.replaceChildren(picture, hidden);
    this.positions.update(positions, positions.map((_, i) => String(i)));
  }
}
