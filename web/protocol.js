// The one message protocol between the page (main.js) and the worker (worker.js): every message is `{type, ...}`.
// The typedefs are the contract; both sides import this module, so a renamed field shows up in one place.

/**
 * Settings of a run, named as microgpt.Config's fields (and, with dashes, as the CLI's flags).
 * @typedef {{seed: number, steps: number, n_layer: number, n_embd: number, n_head: number, block_size: number,
 *            learning_rate: number, temperature: number, samples: number}} Config
 */

/**
 * A generated name and whether it occurs in the training data.
 * @typedef {{text: string, known: boolean}} Name
 */

/**
 * Page -> worker.
 * @typedef {{type: 'dataset', name: string, bytes: ArrayBuffer | null}} DatasetRequest  null bytes: the built-in names
 * @typedef {{type: 'describe', config: Config}} DescribeRequest  parameter count of a config on the current dataset
 * @typedef {{type: 'train', config: Config, run: number}} TrainRequest  a new run on the current dataset, with the
 *          page's id for it: the worker tags every reply about the run with it, so the page can drop stale ones
 * @typedef {{type: 'pause'} | {type: 'resume'} | {type: 'stop'}} ControlRequest
 * @typedef {{type: 'generate', run: number, count: number, temperature: number}} GenerateRequest  names from the
 *          current weights, those of the page's run `run`
 * @typedef {{type: 'losses-csv'}} LossesCsvRequest
 * @typedef {DatasetRequest | DescribeRequest | TrainRequest | ControlRequest | GenerateRequest | LossesCsvRequest} Request
 */

/**
 * Worker -> page.
 * @typedef {{type: 'ready', seconds: number, python: string}} Ready
 * @typedef {{type: 'dataset', name: string, documents: number, vocabSize: number}} DatasetInfo
 * @typedef {{type: 'described', numParams: number}} Described
 * @typedef {{type: 'started', run: number, steps: number}} Started
 * @typedef {{type: 'progress', run: number, step: number, losses: Float64Array, seconds: number, wasmBytes: number}} Progress
 *          `losses` are the steps since the previous progress, ending at `step`; `seconds` is training time so far;
 *          `wasmBytes` the size of the worker's WebAssembly memory
 * @typedef {{type: 'preview', run: number, step: number, names: Name[]}} Preview
 * @typedef {{type: 'paused' | 'resumed' | 'stopped', run: number, step: number}} Control
 * @typedef {{type: 'done', run: number, step: number, seconds: number, names: Name[]}} Done  `names`: the reference's
 *          final samples
 * @typedef {{type: 'generated', run: number, names: Name[]}} Generated
 * @typedef {{type: 'losses-csv', csv: string}} LossesCsv
 * @typedef {{type: 'error', context: string, message: string, cause: 'input' | 'internal' | 'fatal', run?: number}}
 *          WorkerError  context: the request that failed ('load', 'dataset', 'train', 'generate', ...); cause:
 *          'input', the user's data or settings (the message says what to change); 'internal', a bug (the runtime
 *          may be unusable: the page offers a fresh one); 'fatal', the runtime is gone (only a fresh one helps).
 *          `run`: the run it is about, if any
 * @typedef {Ready | DatasetInfo | Described | Started | Progress | Preview | Control | Done | Generated | LossesCsv
 *           | WorkerError} Reply
 */

/** How often the worker sends preview names while training, in steps. */
export const PREVIEW_EVERY = 50;

/** How many names a preview shows. */
export const PREVIEW_COUNT = 5;

/** The longest the worker computes before it looks at its messages again, in seconds. */
export const CHUNK_SECONDS = 0.05;
