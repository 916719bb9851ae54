// The one message protocol between the page (main.js and its panels) and the worker (worker.js): every message is
// `{type, ...}`. The typedefs are the contract; both sides import this module, so a renamed field shows up in one place.

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
 * A dataset as a checkpoint names it (microgpt.checkpoint.dataset_info): `sha256` is the digest of its documents.
 * @typedef {{name: string, builtin: boolean, documents: number, sha256: string}} Dataset
 */

/**
 * Page -> worker.
 * @typedef {{type: 'dataset', name: string | null, bytes: ArrayBuffer | null}} DatasetRequest  null name and bytes:
 *          the built-in names
 * @typedef {{type: 'describe', config: Config}} DescribeRequest  parameter count of a config on the current dataset
 * @typedef {{type: 'train', config: Config, run: number, code: Edits}} TrainRequest  a new run on the current
 *          dataset, with the page's id for it: the worker tags every reply about the run with it, so the page can drop
 *          stale ones; made with `code`
 * @typedef {{type: 'open', run: number, bytes: ArrayBuffer, dataset: {name: string | null, bytes: ArrayBuffer | null}
 *            | null, code: Edits, askCode: boolean}} OpenRequest  a checkpoint file's bytes: the run it holds becomes
 *          run `run`, paused at its step, on the current dataset or on `dataset` (which then becomes the current
 *          one); either must be the one it was trained on, else nothing changes. It continues with the code it
 *          records (none: the package as installed); one that records edited code other than `code`, the page's, is
 *          refused with that code (`recorded`) if `askCode`
 * @typedef {{type: 'pause' | 'resume' | 'stop', run: number}} ControlRequest  about the run `run`: ignored once
 *          another run has replaced it
 * @typedef {{type: 'generate', run: number, count: number, temperature: number}} GenerateRequest  names from the
 *          current weights, those of the page's run `run`
 * @typedef {{type: 'checkpoint', run: number, purpose: 'download' | 'autosave'}} CheckpointRequest  the run's
 *          checkpoint file as text, at the last completed step
 * @typedef {{type: 'losses-csv'}} LossesCsvRequest
 * @typedef {{type: 'inspect', run: number, text: string, temperature: number, views: Views}} InspectRequest  the
 *          views of the current weights for `text` (a prefix: the model reads the start token, then its characters)
 * @typedef {{type: 'draw', run: number, text: string, temperature: number}} DrawRequest  the next character after
 *          `text`, drawn as sampling draws, from the preview generator (the run's own names stay the same)
 * @typedef {{type: 'gradient-check', run: number, text: string}} GradientCheckRequest  autograd's gradient beside a
 *          finite difference, for a few parameters, on `text` as a training document
 * @typedef {{type: 'code'}} CodeRequest  the package's modules as installed
 * @typedef {{type: 'package', code: Edits}} PackageRequest  the package with `code`, as a zip
 * @typedef {{type: 'script-check', id: number, name: string, bytes: ArrayBuffer}} ScriptCheckRequest  what the page
 *          can tell of a script before it runs: whether it is the published reference, whether it compiles; `id`
 *          pairs the reply with it. To a script worker only (SCRIPT_WORKER)
 * @typedef {{type: 'script', run: number, name: string, bytes: ArrayBuffer, exact: boolean,
 *            dataset: ArrayBuffer | null}} ScriptRequest  run a single-file script as `python3 name` would,
 *          unchanged, in a folder whose input.txt is `dataset` (the page's dataset's bytes; null: the built-in names);
 *          `exact`: with glibc's exp, log, pow, sin and cos (microgpt.libm) in place of the platform's. To a script
 *          worker only, once: it runs to its end, reading no message meanwhile, so only ending the worker stops it,
 *          and the page ends the worker after it anyway
 * @typedef {{type: 'heldout', id: number, runs: number[][], bytes: ArrayBuffer | null}} HeldoutRequest  the held-out
 *          loss (microgpt.heldout) of the model in the checkpoint file `bytes` (null: the run here, which it leaves as
 *          it is) on the documents chosen for comparing `runs`, each [seed, steps], on the current dataset; computed
 *          in parts of a chunk's time, between which the worker reads its messages; `id` pairs the reply with it
 * @typedef {DatasetRequest | DescribeRequest | TrainRequest | OpenRequest | ControlRequest | GenerateRequest
 *           | CheckpointRequest | LossesCsvRequest | InspectRequest | DrawRequest | GradientCheckRequest | CodeRequest
 *           | PackageRequest | ScriptCheckRequest | ScriptRequest | HeldoutRequest} Request
 */

/**
 * The Code panel (microgpt.sources). `Edits`: the edited modules, file name ('model.py') -> its whole text; {} for
 * the package as installed. The worker writes them over the installed modules and imports the package afresh before
 * the run it starts or opens.
 * @typedef {Object<string, string>} Edits
 * @typedef {{message: string, where: {file: string, line: number} | null, call: string | null,
 *            traceback: string}} CodeFailure  an error of the edited code: `where`, the innermost line of the
 *          package it passed (for a syntax error, the line at fault); `call`, the line of session.py whose call the
 *          edited package no longer answers (a renamed method, say); `traceback`, Python's, paths as `microgpt/…`
 * @typedef {{files: Edits, diff: Object<string, string>}} RecordedCode  the edited code a checkpoint records, and
 *          each file's unified diff against the installed one
 */

/**
 * Inside the model (microgpt.inspect). Which views an inspect request wants; `graph`: the piece of the step whose
 * autograd graph to return, or null.
 * @typedef {{next: boolean, attention: boolean, embeddings: boolean, graph: GraphPiece | null}} Views
 * @typedef {{kind: 'loss', position: number} | {kind: 'attention', layer: number, head: number, query: number,
 *            key: number}} GraphPiece  a position's loss traced back to its logits, or one attention weight traced
 *          back to its query and key
 * @typedef {{tokens: string[], points: number[][], explained: number[], positions: number[][]}} Embeddings  each
 *          token's embedding on the first two principal components (`explained`: their shares of the variance),
 *          and the cosine similarity of every two position embeddings
 * @typedef {{id: number, op: string, label: string, data: number, grad: number, hidden: number}} GraphNode
 *          `hidden`: how many of its inputs are not shown
 * @typedef {{nodes: GraphNode[], edges: number[][], root: number, loss: number, truncated: boolean}} Graph  edges
 *          go [input, result]; `loss`: the document's mean loss, whose backward() gave the grads
 * @typedef {{name: string, autograd: number, numeric: number, relative: number}} CheckedParam
 */

/**
 * Worker -> page.
 * @typedef {{type: 'loading', loaded: number, total: number}} Loading  bytes of the runtime fetched so far, out of
 *          the total; `loaded === total` means Python is starting
 * @typedef {{type: 'ready', seconds: number, python: string}} Ready
 * @typedef {{type: 'dataset', dataset: Dataset, vocabSize: number}} DatasetInfo
 * @typedef {{type: 'described', numParams: number}} Described
 * @typedef {{type: 'started', run: number, steps: number, numParams: number}} Started
 * @typedef {{type: 'opened', run: number, config: Config, step: number, losses: Float64Array, numParams: number,
 *            microgpt: string, python: string, dataset: Dataset, vocabSize: number, edited: string[]}} Opened  a
 *          checkpoint restored, paused at `step`, on `dataset` (now the current one); `microgpt` and `python`: what
 *          made it; `edited`: the modules it runs edited, as it records them
 * @typedef {{type: 'progress', run: number, step: number, losses: Float64Array, seconds: number, wasmBytes: number,
 *            steps?: number}} Progress  `losses` are the steps since the previous progress, ending at `step`;
 *          `seconds` is training time so far; `wasmBytes` the size of the worker's WebAssembly memory; `steps`: for
 *          a script, the total its output names (its `step N / M | loss X` lines)
 * @typedef {{type: 'preview', run: number, step: number, names: Name[]}} Preview
 * @typedef {{type: 'paused' | 'resumed' | 'stopped', run: number, step: number}} Control
 * @typedef {{type: 'done', run: number, step: number, seconds: number, names: Name[]}} Done  `names`: the reference's
 *          final samples
 * @typedef {{type: 'generated', run: number, names: Name[]}} Generated
 * @typedef {{type: 'checkpoint', run: number, purpose: 'download' | 'autosave', step: number, name: string,
 *            bytes: ArrayBuffer, seconds: number}} Checkpoint  the file's UTF-8 bytes; `name`: the file name microgpt
 *          gives it (dataset, settings, step); `seconds`: what making it cost
 * @typedef {{type: 'losses-csv', name: string, csv: string}} LossesCsv  `name`: as the run's checkpoint, `.losses.csv`
 * @typedef {{type: 'inspected', run: number, step: number, text: string, temperature: number, tokens: string[],
 *            probs?: number[], attention?: number[][][][], embeddings?: Embeddings, graph?: Graph,
 *            seconds: number}} Inspected  the views asked for, at the weights after `step`: `tokens`, each token's
 *          label ('BOS' for the start and end token); `probs`, the next token's probabilities in token order;
 *          `attention[layer][head][query]`, the weights over key positions 0..query (0: the start token);
 *          `seconds`: what computing them cost the worker
 * @typedef {{type: 'drawn', run: number, text: string, token: string}} Drawn
 * @typedef {{type: 'gradient-checked', run: number, step: number, text: string, loss: number, h: number,
 *            params: CheckedParam[]}} GradientChecked
 * @typedef {{type: 'code', modules: string[], originals: Edits}} Code  the modules in reading order, as installed
 * @typedef {{type: 'script-checked', id: number, name: string, reference: boolean,
 *            syntax: {line: number, message: string} | null, ported: string[]}} ScriptChecked  `reference`: byte
 *          for byte the published microgpt.py; `syntax`: why it does not compile; `ported`: the functions of this
 *          platform's libm that differ from glibc's, which an exact run replaces with microgpt.libm's ports
 * @typedef {{type: 'script-output', run: number, stream: 'stdout' | 'stderr', text: string}} ScriptOutput  what the
 *          script wrote, as it wrote it (`\r` included); consecutive writes to one stream may come as one
 * @typedef {{type: 'script-done', run: number, status: number, step: number, seconds: number, names: Name[]}}
 *          ScriptDone  its exit status as python3's; `step`: the last step its output named; `names`: the samples it
 *          printed (`sample i: name`)
 * @typedef {{type: 'package', name: string, bytes: ArrayBuffer}} Package  the zip's bytes
 * @typedef {{type: 'error', context: string, message: string, cause: 'input' | 'code' | 'internal' | 'fatal',
 *            run?: number, expected?: Dataset, code?: CodeFailure, recorded?: RecordedCode}} WorkerError  context:
 *          the request that failed ('load', 'dataset', 'train', 'open', ...); cause: 'input', the user's data or
 *          settings (the message says what to change); 'code', the page's edited code (`code` says where); 'internal',
 *          a bug (the runtime may be unusable: the page offers a fresh one); 'fatal', the runtime is gone (only a
 *          fresh one helps). `run`: the run it is about, if any. `expected`: for a checkpoint trained on another
 *          dataset than the current one, that dataset (the page asks for it); `recorded`: for one made with other
 *          edited code than the page's, that code (the page asks before using it)
 * @typedef {{type: 'heldout', id: number, loss: number | null, documents: number, reason: string | null,
 *            seed: number, longest: number | null}} Heldout  the mean loss over `documents` held-out documents (the
 *          end of seed `seed`'s shuffled list), or null when there are none or the model cannot be measured on them,
 *          and `reason` says why in a sentence; `longest`: how many steps a run with that seed can take before it
 *          trains on one of them, or, with none because the runs are too long, how many runs of their seeds may take
 *          to leave some out (null when no length would)
 * @typedef {Loading | Ready | DatasetInfo | Described | Started | Opened | Progress | Preview | Control | Done
 *           | Generated | Checkpoint | LossesCsv | Inspected | Drawn | GradientChecked | Code | Package
 *           | ScriptChecked | ScriptOutput | ScriptDone | WorkerError | Heldout} Reply
 */

/**
 * Page -> the graph layout worker (graph-layout.js, Graphviz in WebAssembly) and back: `dot`, a graph in
 * Graphviz's language; `svg`, its drawing. `id` pairs a reply with its request.
 * @typedef {{id: number, dot: string}} LayoutRequest
 * @typedef {{id: number, svg: string} | {id: number, error: string}} LayoutReply
 */

/** How often the worker sends preview names while training, in steps. */
export const PREVIEW_EVERY = 50;

/** How many names a preview shows. */
export const PREVIEW_COUNT = 5;

/** The longest the worker computes before it looks at its messages again, in seconds. */
export const CHUNK_SECONDS = 0.05;

/**
 * How long the page waits for the worker to act on Pause, Stop or Reset before it ends the worker and starts a
 * fresh one (edited code can loop forever inside a step), in ms; twice the longest chunk seen, if longer.
 */
export const STUCK_MS = 2000;

/**
 * The name of a worker (`new Worker(url, {name})`) that runs the user's scripts rather than training: a Python of
 * their own, which the page ends after each script (see worker.js).
 */
export const SCRIPT_WORKER = 'script';

/**
 * How much of a script's output the page keeps, in characters: its first SCRIPT_OUTPUT_KEPT characters (32 Mi) go to
 * the page whole, for the download; past them the worker sends only the end of each batch, for the terminal view.
 */
export const SCRIPT_OUTPUT_KEPT = 32 * 1024 * 1024;
