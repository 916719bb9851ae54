// The comparison: every run of the sweep on screen and the kept runs picked from the list ("On the chart"), on one
// chart, each with its colour and label; a table of their settings and results (the last smoothed loss, the held-out
// loss, time, steps/s), sorted by any column; and their final names side by side. The held-out loss is Python's
// (microgpt.heldout, in a worker of the shell's pool): the documents that no run of the comparison trains on, chosen
// for all of them at once, once they have all ended.

import { formatSeconds, rate } from '../app.js';
import { LossChart, colour, smoothed } from '../chart.js';
import { byId, count, element } from '../dom.js';
import { pyRepr } from '../pyrepr.js';
import { FIELDS, fieldId } from '../settings.js';
import { Store } from '../store.js';
import { sweepLabel } from '../sweep.js';

/** @typedef {import('../app.js').App['state']} State */
/** @typedef {import('../protocol.js').Config} Config */
/** @typedef {import('../sweep.js').SweepRun} SweepRun */

/**
 * A run of the comparison: a run of the sweep, or a kept run. `trained`: the steps it trained here (for steps/s).
 * @typedef {{key: string, label: string, config: Config, sha256: string, losses: ArrayLike<number>, step: number,
 *            steps: number, trained: number, seconds: number, state: string, names: import('../protocol.js').Name[],
 *            bytes: () => Promise<ArrayBuffer | null>}} Entry
 * @typedef {{key: string, loss: number | null, reason: string | null, documents: number, seed: number,
 *            longest: number | null} | {key: string, pending: true} | {key: string, error: string}} Result  an
 *          entry's held-out loss for the comparison `key` (its runs and dataset)
 * @typedef {{id: string, name: string, value: (e: Entry, i: number) => number | string | null,
 *            cell: (e: Entry, i: number) => string, className: string}} Column  `id` keys the sort order and the
 *          heading's data-column (a swept setting's is its flag, `steps`); `name` is the heading's text
 */

/** While runs train, the chart and the table are drawn at most this often. */
const DRAW_EVERY_MS = 500;

/** @param {import('../app.js').App} app */
export function mountCompare(app) {
  const ui = {
    section: byId('compare'), caption: byId('compare-caption'),
    table: /** @type {HTMLTableElement} */ (byId('compare-table')),
    heldout: byId('compare-heldout'), names: byId('compare-names'),
  };
  const chart = new LossChart(byId('compare-chart'), { current: false });
  /** @type {Map<string, Result>} by entry key */
  const results = new Map();
  /** @type {{column: string, descending: boolean}} the sorted column's id */
  const order = { column: 'index', descending: false };
  /** @type {Promise<Store> | null} the kept runs' checkpoints, for their held-out loss */
  let store = null;
  let drawnAt = 0;
  let drawn = '';
  let columnsDrawn = '';

  app.onRender((/** @type {State} */ state) => {
    const entries = entriesOf(state);
    ui.section.hidden = entries.length === 0;
    if (!entries.length) {
      drawn = '';
      return;
    }
    const comparison = heldoutKey(state, entries);
    if (comparison) measure(state, entries, comparison);
    const signature = JSON.stringify([entries.map((e) => [e.key, e.state, e.names.length]), comparison?.key,
      [...results.values()].map((r) => ('pending' in r ? 'p' : 'r')), order]);
    const now = performance.now();
    if (signature === drawn && now - drawnAt < DRAW_EVERY_MS) return;
    drawn = signature;
    drawnAt = now;
    draw(state, entries, comparison);
  });

  /** @param {State} state @returns {Entry[]} */
  function entriesOf(state) {
    const { sweep, compared } = state;
    /** @type {Entry[]} */
    const entries = (sweep?.runs ?? []).map((run, i) => ({
      key: run.key, label: sweepLabel(/** @type {import('../app.js').Sweep} */ (sweep), run, i), config: run.config,
      sha256: run.dataset.sha256,
      losses: run.losses, step: run.step, steps: run.steps, trained: run.step - run.stepAtStart, seconds: run.seconds,
      // opened from the runs list, it goes on as the run on screen (its row's numbers are where it left the sweep)
      state: state.run?.key === run.key && run.state !== 'done' ? 'open on screen' : run.state,
      names: run.state === 'done' ? run.names : [],
      bytes: async () => run.checkpoint?.bytes ?? null,
    }));
    for (const { key, label, record } of compared) {
      if (!record || entries.some((e) => e.key === key)) continue;
      entries.push({
        key, label: `kept: ${label}`, config: record.config, sha256: record.dataset.sha256, losses: record.losses,
        step: record.step, steps: record.steps, trained: record.step, seconds: record.seconds,
        state: record.finished ? 'done' : 'kept', names: record.names,
        bytes: async () => (await (await keptRuns()).get(key))?.checkpoint ?? null,
      });
    }
    return entries;
  }

  function keptRuns() {
    store ??= Store.open();
    return store;
  }

  // ---- the held-out loss ----

  /**
   * The comparison whose held-out losses to show: its dataset (the sweep's, else the one in use) and its runs on that
   * dataset, as heldout.choose() takes them; null while a run of the sweep trains, or when its dataset is gone.
   * @param {State} state @param {Entry[]} entries
   */
  function heldoutKey({ sweep, dataset }, entries) {
    const sha256 = sweep ? sweep.dataset.sha256 : dataset.info?.sha256;
    if (!sha256) return null;
    const pool = app.pool.dataset?.sha256 === sha256 ? app.pool.dataset : null;
    const source = pool ?? (dataset.info?.sha256 === sha256 ? { name: dataset.name, bytes: dataset.bytes, sha256 } : null);
    if (!source) return null;
    const runs = entries.filter((e) => e.sha256 === sha256).map((e) => [e.config.seed, e.config.steps]);
    const ended = !sweep || sweep.runs.every((run) => app.pool.settled(run));
    return { key: JSON.stringify([sha256, runs.sort((a, b) => a[0] - b[0] || a[1] - b[1])]), runs, source, ended,
      stopped: Boolean(sweep?.stopped), sha256 };
  }

  /**
   * Ask the pool for each run's held-out loss that this comparison has not got yet, once every run has ended (the
   * documents depend on all of them); not for a sweep stopped as a whole, whose workers have ended.
   * @param {State} state @param {Entry[]} entries @param {NonNullable<ReturnType<typeof heldoutKey>>} comparison
   */
  function measure(state, entries, comparison) {
    if (!comparison.ended || comparison.stopped) return;
    for (const entry of entries) {
      if (entry.sha256 !== comparison.sha256 || results.get(entry.key)?.key === comparison.key) continue;
      const { key } = comparison;
      results.set(entry.key, { key, pending: true });
      entry.bytes().then((bytes) => {
        if (!bytes) throw new Error('it has no checkpoint');
        return app.pool.heldout(bytes, comparison.runs, comparison.source);
      }).then((reply) => {
        if (results.get(entry.key)?.key === key) results.set(entry.key, { key, ...reply });
      }, (error) => {
        if (results.get(entry.key)?.key === key) results.set(entry.key, { key, error: String(error?.message ?? error) });
      }).finally(() => app.render());
    }
  }

  /** The sentence under the table: which documents the held-out loss is over, or why there is none.
   * @param {Entry[]} entries @param {ReturnType<typeof heldoutKey>} comparison */
  function heldoutNote(entries, comparison) {
    if (!comparison) return 'No held-out loss: the dataset these runs trained on is no longer the one in use.';
    if (comparison.stopped) return 'No held-out loss: the sweep was stopped.';
    if (!comparison.ended) return 'The held-out loss comes once every run has ended: its documents depend on all of them.';
    const mine = entries.map((e) => results.get(e.key)).filter((r) => r?.key === comparison.key);
    if (mine.some((r) => r && 'pending' in r)) return 'Held-out loss: computing…';
    const measured = /** @type {any[]} */ (mine).find((r) => 'documents' in r && r.documents > 0);
    const refused = /** @type {any[]} */ (mine).find((r) => 'reason' in r && r.reason && !r.documents);
    const others = entries.some((e) => e.sha256 !== comparison.sha256) ? ' Runs on another dataset have none.' : '';
    if (measured) {
      // the runs it could not measure, by their number in the table: "every run" would not be true of them
      const missed = entries.map((e, i) => ({ e, i, r: results.get(e.key) }))
        .filter(({ e, r }) => e.sha256 === comparison.sha256 && !(r && 'loss' in r && r.loss !== null));
      const which = missed.length ? `every run but ${missed.length === 1 ? 'run' : 'runs'} ` +
        `${missed.map(({ i }) => i + 1).join(', ')} (${missed.length === 1 ? 'its' : 'their'} cell says why)`
        : 'every run';
      const seeds = new Set(comparison.runs.map(([seed]) => seed)).size;
      return `Held-out loss: the mean loss over the same ${count(measured.documents, 'document')} for ${which}, ` +
        `none of which any of these runs trains on (the end of seed ${measured.seed}'s shuffled list; a run with ` +
        `${seeds > 1 ? `seed ${measured.seed}` : 'that seed'} reaches one after ${count(measured.longest, 'step')}).` +
        `${others}`;
    }
    if (refused) {
      const shorter = refused.longest ? ` Runs of at most ${count(refused.longest, 'step')} would leave some out.` : '';
      return `No held-out loss: ${refused.reason}.${shorter}${others}`;
    }
    const failed = /** @type {any[]} */ (mine).find((r) => 'error' in r);
    return failed ? `No held-out loss: ${failed.error}.` : '';
  }

  // ---- drawing ----

  /** @param {State} state @param {Entry[]} entries @param {ReturnType<typeof heldoutKey>} comparison */
  function draw(state, entries, comparison) {
    const { sweep } = state;
    ui.caption.textContent = sweep
      ? `${count(sweep.runs.length, 'run')} of a sweep (${sweep.atOnce} at once here: ${sweep.why})` +
        `${entries.length > sweep.runs.length ? ` and ${count(entries.length - sweep.runs.length, 'kept run')}` : ''}.`
      : `${count(entries.length, 'kept run')} picked in the list.`;
    chart.compare(entries.map((e, i) => ({ label: `${i + 1}: ${e.label}`, losses: e.losses })));
    drawTable(entries, comparison);
    ui.heldout.textContent = heldoutNote(entries, comparison);
    drawNames(entries);
  }

  /** @param {Entry[]} entries @param {ReturnType<typeof heldoutKey>} comparison */
  function drawTable(entries, comparison) {
    const columns = columnsOf(entries, comparison);
    const names = columns.map((c) => `${c.id}:${c.name}`).join('|');
    const thead = ui.table.tHead ?? ui.table.createTHead();
    if (names !== columnsDrawn) { // drawn anew only when the columns change: keyboard focus stays on its button
      columnsDrawn = names;
      const row = element('tr');
      for (const column of columns) {
        const th = element('th');
        th.scope = 'col';
        th.dataset.column = column.id;
        const button = element('button', 'sort', column.name);
        button.type = 'button';
        button.addEventListener('click', () => {
          order.descending = order.column === column.id ? !order.descending : false;
          order.column = column.id;
          app.render();
        });
        th.append(button);
        row.append(th);
      }
      thead.replaceChildren(row);
    }
    for (const th of thead.querySelectorAll('th')) {
      const sorted = th.dataset.column === order.column;
      th.setAttribute('aria-sort', sorted ? (order.descending ? 'descending' : 'ascending') : 'none');
      th.classList.toggle('sorted', sorted);
    }
    const column = columns.find((c) => c.id === order.column) ?? columns[0];
    const rows = entries.map((entry, i) => ({ entry, i, value: column.value(entry, i) }));
    rows.sort((a, b) => compareValues(a.value, b.value, order.descending) || a.i - b.i);
    const tbody = ui.table.tBodies[0] ?? ui.table.createTBody();
    tbody.replaceChildren(...rows.map(({ entry, i }) => {
      const tr = element('tr');
      tr.dataset.key = entry.key;
      for (const c of columns) {
        const td = element(c.id === 'run' ? 'th' : 'td', c.className, c.cell(entry, i));
        if (td instanceof HTMLTableCellElement && c.id === 'run') td.scope = 'row';
        const value = c.value(entry, i);
        if (value !== null) td.dataset.value = String(value);
        if (c.id === 'run') {
          const swatch = element('span', 'swatch');
          swatch.style.background = colour(i);
          swatch.setAttribute('aria-hidden', 'true');
          td.prepend(swatch);
        }
        if (c.className === 'heldout-loss') {
          const result = results.get(entry.key);
          if (result && 'loss' in result && result.loss !== null && result.key === comparison?.key) {
            td.dataset.repr = pyRepr(result.loss); // Python's number, every digit
          }
        }
        tr.append(td);
      }
      return tr;
    }));
  }

  /**
   * The table's columns: the run, the settings that differ between the runs, then the results.
   * @param {Entry[]} entries @param {ReturnType<typeof heldoutKey>} comparison @returns {Column[]}
   */
  function columnsOf(entries, comparison) {
    const varied = FIELDS.filter((f) => new Set(entries.map((e) => e.config[f.key])).size > 1);
    /** @param {Entry} e */
    const last = (e) => (e.losses.length ? /** @type {number} */ (smoothed(e.losses).at(-1)) : null);
    /** @param {Entry} e */
    const heldout = (e) => {
      const result = results.get(e.key);
      return result && 'loss' in result && result.key === comparison?.key ? result.loss : null;
    };
    /** @param {Entry} e */
    const speed = (e) => (e.seconds > 0 && e.trained > 0 ? e.trained / e.seconds : null);
    return [
      { id: 'index', name: '#', className: 'index', value: (e, i) => i + 1, cell: (e, i) => String(i + 1) },
      { id: 'run', name: 'Run', className: 'label', value: (e) => e.label, cell: (e) => e.label },
      ...varied.map((f) => /** @type {Column} */ ({ id: fieldId(f), name: f.label,
        className: `setting setting-${fieldId(f)}`, value: (e) => e.config[f.key], cell: (e) => String(e.config[f.key]) })),
      // the steps it has trained of its total: not the Steps setting, which has a column of its own when swept
      { id: 'trained', name: 'Trained', className: 'steps', value: (e) => e.step,
        cell: (e) => `${e.step.toLocaleString('en')} of ${e.steps.toLocaleString('en')}` },
      { id: 'final-loss', name: 'Final loss', className: 'final-loss', value: last, cell: (e) => last(e)?.toFixed(4) ?? '–' },
      { id: 'heldout-loss', name: 'Held-out loss', className: 'heldout-loss', value: heldout, cell: (e) => {
        const result = results.get(e.key);
        if (e.sha256 !== comparison?.sha256) return 'another dataset';
        if (!result || result.key !== comparison.key) return '–';
        if ('pending' in result) return 'computing…';
        if ('error' in result) return `failed: ${result.error}`;
        return result.loss === null ? 'none' : result.loss.toFixed(4);
      } },
      { id: 'time', name: 'Time', className: 'time', value: (e) => e.seconds || null,
        cell: (e) => (e.seconds > 0 ? formatSeconds(e.seconds) : '–') },
      { id: 'speed', name: 'Steps/s', className: 'speed', value: speed, cell: (e) => rate(e.trained, e.seconds) },
      { id: 'state', name: 'State', className: 'state', value: (e) => e.state, cell: (e) => e.state },
    ];
  }

  /** @param {Entry[]} entries */
  function drawNames(entries) {
    ui.names.replaceChildren(...entries.filter((e) => e.names.length).map((entry) => {
      const i = entries.indexOf(entry);
      const figure = element('figure', 'compare-run-names');
      const caption = element('figcaption', '', `${i + 1}: ${entry.label}`);
      const swatch = element('span', 'swatch');
      swatch.style.background = colour(i);
      swatch.setAttribute('aria-hidden', 'true');
      caption.prepend(swatch);
      const list = element('ol');
      list.dataset.key = entry.key;
      // the model's names, from the user's data: text only
      list.append(...entry.names.map(({ text, known }) => element('li', `name ${known ? 'known' : 'new'}`, text)));
      figure.append(caption, list);
      return figure;
    }));
  }
}

/** Numbers before text, nulls (not measured) last whichever the direction.
 * @param {number | string | null} a @param {number | string | null} b @param {boolean} descending */
function compareValues(a, b, descending) {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const order = typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
  return descending ? -order : order;
}
