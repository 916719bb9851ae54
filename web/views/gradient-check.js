// Gradient check: for a few parameters, the gradient autograd computed beside a central finite difference of the
// loss, both computed by microgpt.inspect in the worker, and how far apart they are.

import { pyRepr } from '../pyrepr.js';

const AGREE = 1e-6; // relative difference below which the two are called equal (float64 finite differences)

export class GradientCheckView {
  /** @param {HTMLElement} container */
  constructor(container) {
    this.container = container;
  }

  reset() {
    this.container.replaceChildren();
  }

  /**
   * The check could not run (a text outside the vocabulary, diverged weights): said here, where it was asked for.
   * @param {string} message
   */
  fail(message) {
    const error = document.createElement('p');
    error.className = 'error';
    error.textContent = message;
    this.container.replaceChildren(error);
  }

  /** @param {import('../protocol.js').GradientChecked} result */
  update({ step, text, loss, h, params }) {
    const note = document.createElement('p');
    note.className = 'hint';
    const agree = params.filter((p) => p.relative < AGREE).length;
    note.textContent = `At step ${step}, on “${text}” as a name (loss ${pyRepr(loss)}), nudging each weight by ` +
      `±${pyRepr(h)}: ${agree} of ${params.length} agree to better than one part in a million.`;
    const table = document.createElement('table');
    table.className = 'numbers';
    const head = document.createElement('tr');
    for (const title of ['weight', 'autograd', 'finite difference', 'relative difference']) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = title;
      head.append(th);
    }
    table.append(head);
    for (const p of params) {
      const row = document.createElement('tr');
      row.className = p.relative < AGREE ? 'agree' : 'differ';
      for (const text of [p.name, pyRepr(p.autograd), pyRepr(p.numeric), p.relative.toExponential(1)]) {
        const td = document.createElement('td');
        td.textContent = text;
        row.append(td);
      }
      table.append(row);
    }
    this.container.replaceChildren(note, table);
  }
}
