// Attention: for the text the model reads, one heatmap per layer and head (the reading position down, the positions
// it attends to across), and the same weights in a table for screen readers and scripts: each cell carries
// data-layer, data-head, data-query, data-key (positions, 0 the start token) and data-w (Python's repr).

import { percent, pyRepr } from '../pyrepr.js';
import { Heatmap, blues } from './heatmap.js';
import { shown } from './next-token.js';

/** A position's label: the start token, or the character read there. @param {string} token */
export function positionLabel(token) {
  return token === 'BOS' ? '^' : shown(token);
}

export class AttentionView {
  /**
   * @param {HTMLElement} container @param {HTMLElement} readout
   * @param {(piece: Extract<import('../protocol.js').GraphPiece, {kind: 'attention'}>) => void} pick
   */
  constructor(container, readout, pick) {
    this.container = container;
    this.readout = readout;
    this.pick = pick;
    /** @type {{map: Heatmap, cells: HTMLTableCellElement[][]}[][]} [layer][head] */
    this.maps = [];
    this.shape = '';
  }

  reset() {
    this.container.replaceChildren();
    this.maps = [];
    this.shape = '';
    this.readout.textContent = '';
  }

  /** @param {number[][][][]} attention [layer][head][query][key] @param {string[]} labels one per position */
  update(attention, labels) {
    const shape = `${attention.length}x${attention[0].length}x${labels.join('\u0000')}`;
    if (shape !== this.shape) this.build(attention, labels, shape);
    // the same text and model: the cells are updated in place (a live refresh does not rebuild thousands of them)
    attention.forEach((heads, layer) => heads.forEach((rows, head) => {
      const { map, cells } = this.maps[layer][head];
      map.update(rows, labels.map(positionLabel));
      rows.forEach((row, query) => row.forEach((w, key) => {
        const cell = cells[query][key];
        cell.dataset.w = pyRepr(w);
        cell.textContent = percent(w);
      }));
    }));
  }

  /** @param {number[][][][]} attention @param {string[]} labels @param {string} shape */
  build(attention, labels, shape) {
    this.reset();
    this.shape = shape;
    const name = (/** @type {number} */ i) => (labels[i] === 'BOS' ? 'the start' : `“${shown(labels[i])}”`);
    const header = (/** @type {string} */ text, /** @type {string} */ scope) => {
      const th = document.createElement('th');
      th.scope = scope;
      th.textContent = text;
      return th;
    };
    const position = (/** @type {number} */ i) => `${i} ${labels[i] === 'BOS' ? 'start' : shown(labels[i])}`;
    this.maps = attention.map((heads, layer) => heads.map((rows, head) => {
      const figure = document.createElement('figure');
      const caption = document.createElement('figcaption');
      caption.textContent = `layer ${layer}, head ${head}`;
      figure.append(caption);
      const map = new Heatmap(figure, {
        label: `Attention of layer ${layer}, head ${head}: the table after it lists the weights`,
        colour: blues, readout: this.readout,
        describe: (query, key, w) => `Layer ${layer}, head ${head}: position ${query} (${name(query)}) gives ` +
          `position ${key} (${name(key)}) weight ${pyRepr(w)}.`,
        pick: (query, key) => this.pick({ kind: 'attention', layer, head, query, key }),
      });
      const table = document.createElement('table');
      const hidden = document.createElement('div'); // a table ignores a width of 1px: its box does not
      hidden.className = 'visually-hidden';
      hidden.append(table);
      const tableCaption = document.createElement('caption');
      tableCaption.textContent = `Attention weights of layer ${layer}, head ${head}: a row per reading position, ` +
        'a column per position it attends to';
      const columns = document.createElement('tr');
      columns.append(header('reading', 'col'), ...labels.map((_, key) => header(position(key), 'col')));
      const cells = rows.map((row, query) => {
        const tr = document.createElement('tr');
        const tds = row.map((_, key) => {
          const td = document.createElement('td');
          Object.assign(td.dataset, { layer, head, query, key });
          return td;
        });
        tr.append(header(position(query), 'row'), ...tds);
        table.append(tr);
        return tds;
      });
      table.prepend(tableCaption, columns);
      figure.append(hidden);
      this.container.append(figure);
      return { map, cells };
    }));
  }
}
