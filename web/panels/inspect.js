// Inside the model: what the live model predicts after a text, where it attends, what its embeddings have learned,
// the autograd graph of a piece of a step, and a gradient check. Every number comes from microgpt.inspect in the
// worker (the page only draws), at the weights of the run on screen: live while it trains, or paused, stopped,
// finished, or opened from a checkpoint.
//
// While the run trains, the views refresh between chunks, once a second at most, and only as often as keeps their cost
// to 2% of the worker's time: each refresh reports what it cost, and the next waits long enough. A change of the text or the
// temperature asks at once; one request is in flight at a time, and what is asked meanwhile is merged into the next.

import { byId } from '../dom.js';
import { AttentionView, positionLabel } from '../views/attention.js';
import { EmbeddingsView } from '../views/embeddings.js';
import { GradientCheckView } from '../views/gradient-check.js';
import { NextTokenView, shown } from '../views/next-token.js';

const LIVE_SHARE = 0.02; // the most of the worker's time the live views may take while it trains
const LIVE_EVERY_MS = 1000; // and never more often than this: once a second is live enough to watch
const GRAPH_EVERY_MS = 3000; // the graph is laid out again less often: Graphviz takes a core while it works
const MAX_OPTIONS = 64; // attention weights offered in the graph's list (the heatmaps offer every one)

/** @typedef {import('../protocol.js').Views} Views */
/** @typedef {import('../protocol.js').GraphPiece} GraphPiece */
/** @typedef {Extract<GraphPiece, {kind: 'attention'}>} AttentionPiece */
/** @typedef {import('../app.js').Run} Run */

/** @param {import('../app.js').App} app */
export function mountInspect(app) {
  const ui = {
    panel: /** @type {HTMLDetailsElement} */ (byId('inside-panel')),
    text: /** @type {HTMLInputElement} */ (byId('inspect-text')),
    temperature: /** @type {HTMLInputElement} */ (byId('inspect-temperature')),
    temperatureValue: byId('inspect-temperature-value'),
    sample: /** @type {HTMLButtonElement} */ (byId('inspect-sample')),
    clear: /** @type {HTMLButtonElement} */ (byId('inspect-clear')),
    error: byId('inspect-error'), status: byId('inspect-status'),
    graphView: /** @type {HTMLDetailsElement} */ (byId('graph-view')),
    piece: /** @type {HTMLSelectElement} */ (byId('graph-piece')), graphStatus: byId('graph-status'),
    gradcheckView: /** @type {HTMLDetailsElement} */ (byId('gradcheck-view')),
    gradcheck: /** @type {HTMLButtonElement} */ (byId('gradient-check')),
    views: byId('inspect-views'),
  };
  const views = {
    next: new NextTokenView(byId('next-token'), byId('next-summary'), (token) => add(token)),
    attention: new AttentionView(byId('attention'), byId('attention-readout'), (piece) => trace(piece)),
    embeddings: new EmbeddingsView(byId('embeddings'), byId('embeddings-readout'), byId('positions'),
      byId('positions-readout')),
    gradcheck: new GradientCheckView(byId('gradcheck')),
  };
  /** @type {Promise<import('../views/graph.js').GraphView> | null} loaded when the graph is first opened */
  let graph = null;
  /** @type {number | null} the run id of the inspect request the worker is computing */
  let flight = null;
  /** @type {Views | null} views asked for meanwhile */
  let queued = null;
  let cost = 0; // seconds the last refresh cost the worker
  let refreshed = 0; // when the views were last asked for (performance.now())
  let graphed = 0; // when the graph was
  /** @type {{run: number | null, step: number}} the run and step last asked about */
  let asked = { run: null, step: -1 };
  let checking = false; // a gradient check is being computed
  let refused = false; // the worker refused the text: no live refresh asks again until it changes
  let notice = ''; // a name just finished, said until the learner types again
  /** @type {GraphPiece | null} the graph piece of the request in flight, for its caption */
  let graphAsked = null;
  let temperatureTouched = false;
  /** @type {AttentionPiece | null} a weight picked in a heatmap, offered in the list */
  let picked = null;

  const text = () => ui.text.value;
  const temperature = () => Number(ui.temperature.value);
  const canLook = () => Boolean(app.state.run && app.state.hasWeights && app.state.phase !== 'crashed');
  const looked = () => /** @type {Run} */ (app.state.run); // the run on screen, once canLook() says there is one

  /**
   * The views to ask for: those open. @param {boolean} nextOnly a new temperature: only the bars change
   * @returns {Views}
   */
  function wanted(nextOnly = false) {
    if (nextOnly) return { next: true, attention: false, embeddings: false, graph: null };
    return { next: true, attention: true, embeddings: true, graph: ui.graphView.open ? currentPiece() : null };
  }

  /** @param {Views} views */
  function request(views) {
    if (!ui.panel.open || !canLook()) return;
    if (flight !== null) {
      queued = queued ? merge(queued, views) : views;
      return;
    }
    const run = looked();
    flight = run.id;
    asked = { run: run.id, step: run.step };
    refreshed = performance.now();
    if (views.graph) {
      graphed = refreshed;
      graphAsked = views.graph;
    }
    app.send({ type: 'inspect', run: run.id, text: text(), temperature: temperature(), views });
  }

  /** @param {Views} a @param {Views} b @returns {Views} */
  function merge(a, b) {
    return { next: a.next || b.next, attention: a.attention || b.attention, embeddings: a.embeddings || b.embeddings,
      graph: b.graph ?? a.graph };
  }

  function landed() {
    flight = null;
    if (queued) {
      const next = queued;
      queued = null;
      request(next);
    }
  }

  app.on('inspected', (/** @type {import('../protocol.js').Inspected} */ message) => {
    cost = message.seconds;
    if (message.text !== text()) return landed(); // typed on since: its answer is queued
    ui.error.hidden = true;
    refused = false;
    const run = looked(); // the reply is about it
    ui.status.textContent = `${notice}The model of the run on screen at step ${message.step} of ${run.steps}` +
      `${app.state.phase === 'training' ? ', refreshed as it trains' : ''}.`;
    ui.views.classList.remove('stale');
    if (message.probs) views.next.update(message.tokens, message.probs, message.text);
    const positions = ['BOS', ...Array.from(message.text)];
    if (message.attention) views.attention.update(message.attention, positions);
    if (message.embeddings) views.embeddings.update(message.embeddings);
    if (message.graph) drawGraph(message.graph, positions, /** @type {GraphPiece} */ (graphAsked)); // asked for it
    landed();
  });
  app.on('drawn', (/** @type {import('../protocol.js').Drawn} */ message) => {
    if (message.text === text()) add(message.token);
  });
  app.on('gradient-checked', (/** @type {import('../protocol.js').GradientChecked} */ message) => {
    checking = false;
    views.gradcheck.update(message);
  });
  app.on('error', (/** @type {import('../protocol.js').WorkerError} */ { context, message }) => {
    if (!['inspect', 'draw', 'gradient-check'].includes(context)) return;
    if (context === 'inspect') landed();
    if (context === 'gradient-check') {
      checking = false;
      views.gradcheck.fail(message);
    }
    if (context === 'inspect' && ui.graphView.open) ui.graphStatus.textContent = message;
    refused = true;
    ui.views.classList.add('stale'); // the views still show the last text the model could read
    if (ui.error.hidden || ui.error.textContent !== message) { // an alert: said once, not at every refresh
      ui.error.textContent = message;
      ui.error.hidden = false;
    }
  });
  // live: refresh between chunks, within the time share
  app.on('progress', () => {
    const now = performance.now();
    if (refused || flight !== null || now - refreshed < Math.max(LIVE_EVERY_MS, (1000 * cost) / LIVE_SHARE)) return;
    const views = wanted();
    if (views.graph && now - graphed < GRAPH_EVERY_MS) views.graph = null;
    request(views);
  });

  /**
   * A token chosen by a click or drawn by the sampler: a letter is added; the end token, or a full block, finishes
   * the name (sampling stops there too).
   * @param {string} token
   */
  function add(token) {
    if (refused || !app.state.run) return; // the bars are those of the last text the model could read, not this one
    const full = Array.from(text()).length >= app.state.run.config.block_size - 1;
    if (token !== 'BOS' && !full) {
      ui.text.value = text() + token;
      onText();
      return;
    }
    const why = token === 'BOS' ? 'The model ends the name here' : 'The block is full: sampling would end the name here';
    notice = text() ? `${why}: “${text()}”. Start another. ` : 'The model would end the name before it starts. ';
    ui.status.textContent = notice;
    ui.text.value = '';
    onText(true);
  }

  /** @param {boolean} [keepNotice] the text changed because a name was finished, not by typing */
  function onText(keepNotice = false) {
    if (keepNotice !== true) notice = '';
    ui.error.hidden = true;
    refused = false;
    fillPieces();
    request(wanted());
  }

  ui.text.addEventListener('input', () => onText());
  ui.temperature.addEventListener('input', () => {
    temperatureTouched = true;
    ui.temperatureValue.textContent = ui.temperature.value;
    request(wanted(true));
  });
  ui.sample.addEventListener('click', () => {
    if (canLook()) app.send({ type: 'draw', run: looked().id, text: text(), temperature: temperature() });
  });
  ui.clear.addEventListener('click', () => {
    ui.text.value = '';
    onText();
    ui.text.focus();
  });
  ui.panel.addEventListener('toggle', () => {
    if (ui.panel.open) request(wanted());
  });
  ui.graphView.addEventListener('toggle', () => {
    if (ui.graphView.open) request(wanted());
  });
  ui.piece.addEventListener('change', () => request(wanted()));
  ui.gradcheck.addEventListener('click', () => {
    if (!canLook() || checking) return;
    checking = true;
    app.render();
    app.send({ type: 'gradient-check', run: looked().id, text: text() });
  });

  // ---- the graph's pieces: each position's loss, and attention weights of the last position ----

  /** @param {GraphPiece} piece */
  function pieceText(piece) {
    const chars = Array.from(text()).map(shown);
    if (piece.kind === 'loss') {
      const input = piece.position === 0 ? 'the start' : `“${chars[piece.position - 1]}”`;
      const target = piece.position === chars.length ? 'the end' : `“${chars[piece.position]}”`;
      return `the loss at position ${piece.position}: ${target} after ${input}`;
    }
    const { layer, head, query, key } = piece;
    return `attention weight, layer ${layer}, head ${head}: position ${query} to ${key} ` +
      `(${positionLabel(['BOS', ...chars][key])})`;
  }

  function fillPieces() {
    const run = app.state.run;
    if (!run) return;
    const chars = Array.from(text());
    const positions = Math.min(run.config.block_size, chars.length + 1); // as the trainer crops a document
    /** @type {GraphPiece[]} */
    const pieces = [];
    for (let t = positions - 1; t >= 0; t--) pieces.push({ kind: 'loss', position: t });
    const query = Math.min(chars.length, run.config.block_size - 1);
    for (let layer = 0; layer < run.config.n_layer; layer++) {
      for (let head = 0; head < run.config.n_head; head++) {
        for (let key = query; key >= 0; key--) pieces.push({ kind: 'attention', layer, head, query, key });
      }
    }
    const options = pieces.slice(0, positions + MAX_OPTIONS);
    const known = picked && picked.query <= query && options.find((p) => JSON.stringify(p) === JSON.stringify(picked));
    if (picked && picked.query <= query && !known) options.push(picked);
    const chosen = ui.piece.value;
    ui.piece.replaceChildren(...options.map((piece) => {
      const option = document.createElement('option');
      option.value = JSON.stringify(piece);
      option.textContent = pieceText(piece);
      return option;
    }));
    if (options.some((p) => JSON.stringify(p) === chosen)) ui.piece.value = chosen;
  }

  /** @returns {GraphPiece} */
  function currentPiece() {
    return ui.piece.value ? JSON.parse(ui.piece.value) : { kind: 'loss', position: 0 };
  }

  /**
   * An attention weight picked in a heatmap (a tap reads it too, on a phone): the piece the graph traces.
   * @param {AttentionPiece} piece
   */
  function trace(piece) {
    picked = piece;
    fillPieces();
    ui.piece.value = JSON.stringify(piece);
    if (ui.graphView.open) request(wanted());
  }

  /** @param {import('../protocol.js').Graph} data @param {string[]} positions @param {GraphPiece} piece */
  function drawGraph(data, positions, piece) {
    graph ??= import('../views/graph.js').then(({ GraphView }) => new GraphView(byId('graph'), ui.graphStatus));
    const caption = `Autograd graph of ${pieceText(piece)}, reading “${positions.slice(1).join('')}”`;
    graph.then((view) => view.update(data, caption)).catch((error) => {
      ui.graphStatus.textContent = `The graph cannot be drawn: ${error.message}`;
    });
  }

  // ---- the run on screen ----

  app.onRender((/** @type {import('../app.js').App['state']} */ state) => {
    const { phase } = state;
    ui.sample.disabled = !canLook();
    ui.gradcheck.disabled = !canLook(); // not while checking: a disabled button would drop the keyboard focus
    ui.gradcheck.setAttribute('aria-busy', String(checking));
    if (!canLook()) {
      if (asked.run !== null) reset(null);
      ui.status.textContent = phase === 'loading' ? 'Python is loading…' : 'Train, or open a run, to look inside its model.';
      return;
    }
    const run = looked();
    if (run.id !== asked.run) { // another run: its own views, from its own weights
      reset(run.id);
      if (!temperatureTouched) {
        ui.temperature.value = String(run.config.temperature);
        ui.temperatureValue.textContent = ui.temperature.value;
      }
      fillPieces();
      request(wanted());
    } else if (run.step !== asked.step && phase !== 'training') {
      request(wanted()); // paused, stopped or done since: the last weights
    }
  });

  /** @param {number | null} run the run whose views come next */
  function reset(run) {
    flight = null;
    queued = null;
    picked = null;
    checking = false;
    refused = false;
    notice = '';
    ui.views.classList.remove('stale');
    asked = { run, step: -1 };
    for (const view of Object.values(views)) view.reset();
    graph?.then((view) => view.reset());
    ui.piece.replaceChildren();
    ui.error.hidden = true;
  }
}
