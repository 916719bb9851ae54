// The graph layout worker: Graphviz (compiled to WebAssembly, from @viz-js/viz) lays out and draws the autograd
// graph the inspect panel sends as DOT text, and answers with SVG text. A worker of its own, because the page's
// content security policy forbids compiling WebAssembly (as in the training worker), because a large layout takes
// long enough to stall the page, and so that Graphviz loads only when the graph is first opened.
// Messages: protocol.js's LayoutRequest and LayoutReply.

import { instance } from './vendor/viz/viz.js';

const viz = instance();
/** @param {import('./protocol.js').LayoutReply} reply */
const answer = (reply) => self.postMessage(reply);

self.onmessage = async (event) => {
  /** @type {import('./protocol.js').LayoutRequest} */
  const { id, dot } = event.data;
  try {
    answer({ id, svg: (await viz).renderString(dot, { format: 'svg', engine: 'dot' }) });
  } catch (error) {
    answer({ id, error: String(error?.message ?? error) });
  }
};
