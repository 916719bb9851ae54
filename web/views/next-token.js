// Next letter: the model's probability for each token after the text, as bars, most likely first, each a button that
// adds its letter. The bars are slots ranked by probability and updated in place, so keyboard focus stays put while
// the numbers change under it during training. A dashed mark in each bar shows uniform guessing (1 / vocabulary).

import { percent, pyRepr } from '../pyrepr.js';

const MAX_BARS = 40; // a vocabulary of thousands (Chinese text): the most likely 40, and the rest summed up

/**
 * How a token reads on screen: the start/end token as "end", a space as a visible mark, and a character that shows
 * nothing by itself (a tab, another space, a control or format character, a lone combining mark) as its code point.
 * @param {string} token
 */
export function shown(token) {
  if (token === 'BOS') return 'end';
  if (token === ' ') return '␣';
  if (!/^[\p{C}\p{Z}\p{M}]$/u.test(token)) return token;
  const code = /** @type {number} */ (token.codePointAt(0)); // one character: it has one
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

export class NextTokenView {
  /** @param {HTMLElement} list @param {HTMLElement} summary @param {(token: string) => void} pick */
  constructor(list, summary, pick) {
    this.list = list;
    this.summary = summary;
    this.pick = pick;
    /** @type {ReturnType<NextTokenView['slot']>[]} */
    this.slots = [];
  }

  reset() {
    this.list.replaceChildren();
    this.slots = [];
    this.summary.textContent = '';
  }

  /** @param {string[]} tokens @param {number[]} probs in token order @param {string} text the prefix */
  update(tokens, probs, text) {
    const order = tokens.map((_, i) => i).sort((a, b) => probs[b] - probs[a] || a - b);
    const top = order.slice(0, MAX_BARS);
    while (this.slots.length < top.length) this.slots.push(this.slot());
    while (this.slots.length > top.length) this.slots.pop()?.item.remove();
    const largest = probs[top[0]];
    const uniform = 1 / tokens.length;
    top.forEach((id, rank) => {
      const { button, char, fill, mark, value } = this.slots[rank];
      const token = tokens[id];
      const p = probs[id];
      button.dataset.token = token;
      button.dataset.p = pyRepr(p);
      char.textContent = shown(token);
      value.textContent = percent(p);
      fill.style.width = `${(100 * p) / largest}%`;
      mark.style.left = `${(100 * uniform) / largest}%`;
      const what = token === 'BOS' ? 'end of name' : `“${token}”`;
      button.title = `${what}: p = ${pyRepr(p)} (uniform guessing: ${pyRepr(uniform)})`;
    });
    const rest = order.slice(MAX_BARS).reduce((sum, id) => sum + probs[id], 0);
    const after = text ? `after “${text}”` : 'to start a name';
    this.summary.textContent = `Most likely ${after}: ${shown(tokens[top[0]])} (${percent(largest)}).` +
      (order.length > MAX_BARS ? ` ${order.length - MAX_BARS} less likely tokens share ${percent(rest)}.` : '') +
      ` Uniform guessing would give each of the ${tokens.length} tokens ${percent(uniform)}.`;
  }

  slot() {
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'token';
    const char = document.createElement('span');
    char.className = 'char';
    const track = document.createElement('span');
    track.className = 'track';
    const fill = document.createElement('span');
    fill.className = 'fill';
    const mark = document.createElement('span');
    mark.className = 'uniform';
    track.append(fill, mark);
    const value = document.createElement('span');
    value.className = 'p';
    button.append(char, track, value);
    button.addEventListener('click', () => this.pick(/** @type {string} */ (button.dataset.token))); // set by update()
    item.append(button);
    this.list.append(item);
    return { item, button, char, fill, mark, value };
  }
}
