// The autograd graph: the Value nodes of one piece of a training step (microgpt.inspect.graph), each with its
// operation, data and grad, drawn by Graphviz in the layout worker (graph-layout.js) and panned and zoomed with
// Panzoom. This module, Graphviz and Panzoom load only when the graph is first opened. The nodes are also in a
// table for screen readers.

import Panzoom from '../vendor/panzoom/panzoom.es.js';
import { pyRepr } from '../pyrepr.js';

/** Fill colours: what a node is. */
const FILLS = { param: '#dcfce7', const: '#f3f4f6', root: '#fef3c7', op: '#ffffff' };

/**
 * Text for a DOT string: quotes and backslashes escaped, control characters written out (SVG cannot hold them).
 * @param {string} text
 */
function dotText(text) {
  return String(text).replace(/[\\"]/g, (c) => `\\${c}`)
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Four significant digits, to read; the exact repr is in the tooltip and the table. @param {number} x */
function short(x) {
  if (x === 0 || !Number.isFinite(x)) return pyRepr(x);
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e5 ? String(Number(x.toPrecision(4))) : x.toExponential(3);
}

/** @param {import('../protocol.js').Graph} graph @returns {string} */
export function toDot(graph) {
  const lines = ['digraph autograd {', '  rankdir=LR; nodesep=0.15; ranksep=0.3;',
    '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10, margin="0.08,0.04"];',
    '  edge [color="#6b7280", arrowsize=0.6];'];
  for (const node of graph.nodes) {
    const kind = node.id === graph.root ? 'root' : node.op === 'param' || node.op === 'const' ? node.op : 'op';
    // the node's name where the piece knows one, its operation in brackets unless the name already says it
    const title = !node.label ? node.op : node.label.startsWith(node.op) ? node.label : `${node.label} (${node.op})`;
    const label = [title, `data ${short(node.data)}`, `grad ${short(node.grad)}`,
      ...(node.hidden ? [`+${node.hidden} inputs not shown`] : [])].map(dotText).join('\\n');
    const tooltip = dotText(`${title}: data ${pyRepr(node.data)}, grad ${pyRepr(node.grad)}`);
    const dashed = node.hidden ? ', style="rounded,filled,dashed"' : '';
    lines.push(`  n${node.id} [label="${label}", tooltip="${tooltip}", fillcolor="${FILLS[kind]}"${dashed}];`);
  }
  for (const [from, to] of graph.edges) lines.push(`  n${from} -> n${to};`);
  lines.push('}');
  return lines.join('\n');
}

export class GraphView {
  /** @param {HTMLElement} container @param {HTMLElement} status */
  constructor(container, status) {
    this.status = status;
    this.worker = new Worker(new URL('../graph-layout.js', import.meta.url), { type: 'module' });
    this.worker.onmessage = (event) => this.onLayout(event.data);
    this.worker.onerror = (event) => {
      event.preventDefault();
      this.status.textContent = `The graph cannot be drawn: ${event.message || 'its layout engine failed to load'}.`;
    };
    this.requested = 0; // the id of the latest layout asked for: older answers are dropped
    /** @type {{graph: import('../protocol.js').Graph, caption: string} | null} the latest asked for */
    this.pending = null;
    const tools = document.createElement('div');
    tools.className = 'graph-tools';
    this.stage = document.createElement('div');
    this.stage.className = 'graph-stage';
    this.canvas = document.createElement('div'); // what Panzoom moves; the drawing inside it is replaced
    this.stage.append(this.canvas);
    this.table = document.createElement('table');
    const hidden = document.createElement('div'); // a table ignores a width of 1px: its box does not
    hidden.className = 'visually-hidden';
    hidden.append(this.table);
    container.append(tools, this.stage, hidden);
    this.panzoom = Panzoom(this.canvas, { maxScale: 6, minScale: 0.1, canvas: true, step: 0.2 });
    // the wheel scrolls the page as everywhere else; with Ctrl (or ⌘), and a pinch, it zooms
    this.stage.addEventListener('wheel', (event) => {
      if (event.ctrlKey || event.metaKey) this.panzoom.zoomWithWheel(event);
    });
    this.placed = ''; // the piece whose drawing was last placed: a live refresh of it keeps the user's pan and zoom
    /** @type {[string, () => void][]} */
    const actions = [['Zoom in', () => this.panzoom.zoomIn()], ['Zoom out', () => this.panzoom.zoomOut()],
      ['Back to the result', () => this.showRoot()]];
    for (const [text, action] of actions) {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = text;
      button.addEventListener('click', action);
      tools.append(button);
    }
  }

  /** Another run: nothing of the last one's graph stays, and a layout still on its way is dropped. */
  reset() {
    this.requested += 1;
    this.pending = null;
    this.placed = '';
    this.canvas.replaceChildren();
    this.table.replaceChildren();
    this.status.textContent = '';
  }

  /** @param {import('../protocol.js').Graph} graph @param {string} caption what the graph shows */
  update(graph, caption) {
    this.pending = { graph, caption };
    this.worker.postMessage({ id: ++this.requested, dot: toDot(graph) });
    this.describe(graph, caption);
  }

  /** @param {import('../protocol.js').LayoutReply} reply */
  onLayout(reply) {
    if (reply.id !== this.requested) return;
    const pending = /** @type {NonNullable<GraphView['pending']>} */ (this.pending); // asked for with this id
    if ('error' in reply) {
      this.status.textContent = `The graph cannot be drawn: ${reply.error}`;
      return;
    }
    const doc = new DOMParser().parseFromString(reply.svg, 'image/svg+xml');
    const drawing = doc.documentElement;
    if (drawing.nodeName !== 'svg' || doc.querySelector('parsererror')) {
      this.status.textContent = 'The graph cannot be drawn: its layout was not valid SVG.';
      return;
    }
    drawing.setAttribute('role', 'img');
    drawing.setAttribute('aria-label', `${pending.caption}: the table after it lists the nodes`);
    this.canvas.replaceChildren(document.importNode(drawing, true));
    this.canvas.dataset.nodes = String(pending.graph.nodes.length);
    if (pending.caption !== this.placed) this.showRoot();
    this.placed = pending.caption;
  }

  /** Life size, the piece's result (the root, the rightmost node) at the right of the view: read it, then go back. */
  showRoot() {
    const root = [...this.canvas.querySelectorAll('g.node')]
      .find((node) => node.querySelector('title')?.textContent === `n${this.pending?.graph.root}`);
    if (!root) return;
    this.panzoom.reset({ animate: false });
    const at = root.getBoundingClientRect();
    const origin = this.canvas.getBoundingClientRect();
    this.panzoom.pan(Math.min(0, this.stage.clientWidth - (at.right - origin.left) - 16),
      this.stage.clientHeight / 2 - (at.top + at.height / 2 - origin.top), { animate: false });
  }

  /** @param {import('../protocol.js').Graph} graph @param {string} caption */
  describe(graph, caption) {
    const { nodes, truncated, loss } = graph;
    this.status.textContent = `${caption}: ${nodes.length} nodes${truncated ? ' (the rest cut off to stay readable)' : ''}; ` +
      `the grads are of the name's mean loss, ${pyRepr(loss)}.`;
    const head = document.createElement('caption');
    head.textContent = `Autograd graph nodes: ${caption}`;
    const columns = document.createElement('tr');
    for (const title of ['node', 'operation', 'name', 'data', 'grad', 'inputs']) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = title;
      columns.append(th);
    }
    const rows = nodes.map((node) => {
      const row = document.createElement('tr');
      const inputs = graph.edges.filter(([, to]) => to === node.id).length + node.hidden;
      for (const text of [`n${node.id}`, node.op, node.label, pyRepr(node.data), pyRepr(node.grad), `${inputs} inputs`]) {
        const td = document.createElement('td');
        td.textContent = text;
        row.append(td);
      }
      return row;
    });
    this.table.replaceChildren(head, columns, ...rows);
  }
}
