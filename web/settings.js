// The run's settings as one typed object: its fields, their checks, and its two texts, the URL hash (so a link
// restores them) and the equivalent terminal command. No DOM here: main.js binds it to the form.
// The checks mirror microgpt.Config's so a mistake is shown as it is typed; the worker's Config remains the judge.

/** @typedef {import('./protocol.js').Config} Config */

/**
 * A setting: its Config key and CLI flag, its label and line of help in the form, its default (the reference's);
 * a whole number has bounds.
 * @typedef {{key: keyof Config, flag: string, label: string, default: number, help: string}
 *           & ({kind: 'int', min: number, max: number} | {kind: 'float'})} Field
 */

/**
 * One entry per CLI flag, in the CLI's order, with bounds for a browser tab (the CLI has none) and a line of help.
 * @type {Field[]}
 */
export const FIELDS = [
  { key: 'steps', flag: '--steps', label: 'Steps', kind: 'int', min: 1, max: 1_000_000, default: 1000,
    help: 'Training steps: one name read and learned from each.' },
  { key: 'seed', flag: '--seed', label: 'Seed', kind: 'int', min: 0, max: 2 ** 32 - 1, default: 42,
    help: 'Starts the random numbers: the same seed gives the same run.' },
  { key: 'learning_rate', flag: '--learning-rate', label: 'Learning rate', kind: 'float', default: 0.01,
    help: 'How far each step moves the weights (falling to 0 by the end).' },
  { key: 'temperature', flag: '--temperature', label: 'Temperature', kind: 'float', default: 0.5,
    help: 'For the names: below 1 plays safe, above 1 takes chances.' },
  { key: 'samples', flag: '--samples', label: 'Samples', kind: 'int', min: 1, max: 500, default: 20,
    help: 'How many names it writes when training ends.' },
  { key: 'n_layer', flag: '--n-layer', label: 'Layers', kind: 'int', min: 1, max: 8, default: 1,
    help: 'Transformer blocks, each attention then an MLP.' },
  { key: 'n_embd', flag: '--n-embd', label: 'Embedding size', kind: 'int', min: 1, max: 256, default: 16,
    help: 'Numbers in each token\'s vector: the model\'s width.' },
  { key: 'n_head', flag: '--n-head', label: 'Heads', kind: 'int', min: 1, max: 64, default: 4,
    help: 'Attention heads per layer, sharing that width.' },
  { key: 'block_size', flag: '--block-size', label: 'Block size', kind: 'int', min: 1, max: 256, default: 16,
    help: 'The most characters it reads at once (longer names are cut).' },
];

/** The element id of a field: its flag without the dashes (`#learning-rate`). @param {Field} field */
export const fieldId = (field) => field.flag.slice(2);

/**
 * Bounds that keep one training step of any model the page allows under ~500 MB of the worker's memory: a step's
 * graph grows with layers x embedding size^2 x block size (the weighted sums) and with layers x heads x block size^2
 * (attention). Measured natively at the bounds: 460 MB for 32 wide with a block of 256, 290 to 320 MB with 16 or
 * 32 heads or 8 layers, 130 MB for 128 wide with a block of 16. The defaults use 4,096 and 1,024.
 * The output layer adds vocabulary x embedding size x block size (the dataset's characters, thousands for Chinese
 * text): 310 MB measured for 3,001 x 16 x 64 = 3.1 million. The built-in names use 6,912.
 */
export const MAX_MODEL_SIZE = 2 ** 18;
export const MAX_ATTENTION_SIZE = 2 ** 18;
export const MAX_OUTPUT_SIZE = 2 ** 22;
/** The parameters, each a Python object with two Adam moments, and three numbers each in a checkpoint. */
export const MAX_PARAMS = 2 ** 20;
// These are microgpt.limits' bounds (tests/test_settings_js.py compares them): a checkpoint the page or the CLI
// writes always opens in both.

/**
 * Parse the texts of the form into a config, with a message per invalid field.
 * @param {Record<string, string>} texts by field key
 * @param {number} [vocabSize] the dataset's vocabulary, for the output layer's bound (0: not known yet)
 * @returns {{config: Config | null, errors: Record<string, string>}}
 */
export function parse(texts, vocabSize = 0) {
  /** @type {Record<string, number>} */
  const values = {};
  /** @type {Record<string, string>} */
  const errors = {};
  for (const f of FIELDS) {
    const text = String(texts[f.key] ?? '').trim();
    const value = parseNumber(text, f.kind);
    if (value === null) {
      errors[f.key] = f.kind === 'int' ? 'Enter a whole number.' : 'Enter a number, such as 0.01.';
    } else if (f.kind === 'float' && !(value > 0)) {
      errors[f.key] = 'Must be greater than 0.';
    } else if (f.kind === 'int' && (value < f.min || value > f.max)) {
      errors[f.key] = `Must be from ${f.min.toLocaleString('en')} to ${f.max.toLocaleString('en')}.`;
    } else {
      values[f.key] = value;
    }
  }
  if (!errors.n_embd && !errors.n_head && values.n_embd % values.n_head !== 0) {
    errors.n_embd = `Must be a multiple of the number of heads (${values.n_head}).`;
  }
  const size = values.n_layer * values.n_embd ** 2 * values.block_size;
  if (!errors.n_embd && size > MAX_MODEL_SIZE) {
    errors.n_embd = `Too large for a browser tab: layers × embedding size² × block size is ${size.toLocaleString('en')}; ` +
      `the limit is ${MAX_MODEL_SIZE.toLocaleString('en')}.`;
  }
  const attention = values.n_layer * values.n_head * values.block_size ** 2;
  if (!errors.block_size && attention > MAX_ATTENTION_SIZE) {
    errors.block_size = `Too large for a browser tab: layers × heads × block size² is ${attention.toLocaleString('en')}; ` +
      `the limit is ${MAX_ATTENTION_SIZE.toLocaleString('en')}.`;
  }
  const output = vocabSize * values.n_embd * values.block_size;
  if (!errors.block_size && !errors.n_embd && output > MAX_OUTPUT_SIZE) {
    errors.block_size = `Too large for a browser tab with this dataset: vocabulary (${vocabSize.toLocaleString('en')}) ` +
      `× embedding size × block size is ${output.toLocaleString('en')}; the limit is ${MAX_OUTPUT_SIZE.toLocaleString('en')}.`;
  }
  const params = vocabSize * values.n_embd * 2 + values.block_size * values.n_embd + 12 * values.n_layer * values.n_embd ** 2;
  if (!Object.keys(errors).length && params > MAX_PARAMS) {
    errors.n_embd = `Too large for a browser tab: ${params.toLocaleString('en')} parameters; ` +
      `the limit is ${MAX_PARAMS.toLocaleString('en')}.`;
  }
  return { config: Object.keys(errors).length ? null : /** @type {Config} */ (values), errors };
}

/** The longest value a link's setting holds (a list: this many per run), and the mark of a longer one, cut. */
const MAX_VALUE = 40;
const CUT = '…';

/** The most runs one sweep trains, and the most settings that hold lists (the grid of both). */
export const MAX_SWEEP_RUNS = 16;
export const MAX_SWEPT = 2;

/**
 * A setting a sweep varies: its field and its values, in the order typed.
 * @typedef {{field: Field, values: number[]}} Swept
 */

/**
 * Parse the texts of the form, where any field may hold a comma-separated list of values (`0.003, 0.01, 0.03`): a
 * sweep, one run per value; lists in two fields make the grid of both, the first field's values outermost. Each
 * run's settings are checked as `parse()` checks one run's.
 * @param {Record<string, string>} texts by field key
 * @param {number} [vocabSize] see parse()
 * @returns {{config: Config | null, configs: Config[] | null, swept: Swept[], errors: Record<string, string>}}
 *          `configs`: every run's settings, or null while a field is invalid; `config`: the first run's
 */
export function parseSweep(texts, vocabSize = 0) {
  /** @type {Record<string, string>} */
  const errors = {};
  /** @type {Record<string, string[]>} */
  const lists = {};
  for (const f of FIELDS) {
    const text = String(texts[f.key] ?? '').trim();
    const parts = text.split(',').map((part) => part.trim());
    lists[f.key] = parts;
    if (text.endsWith(CUT)) { // fromHash's: counting the values left would name a number the link never held
      errors[f.key] = parts.length > 1 ? `This list is too long: a sweep trains at most ${MAX_SWEEP_RUNS} runs, ` +
        `so a list holds at most ${MAX_SWEEP_RUNS} values.` : `This value is too long: at most ${MAX_VALUE} characters.`;
      continue;
    }
    if (parts.length > 1 && parts.includes('')) {
      errors[f.key] = 'A list has a value between each two commas, such as 0.003, 0.01, 0.03.';
      continue;
    }
    const unseparated = parts.find((part) => /^[\d.eE+-]+([\s;]+[\d.eE+-]+)+$/.test(part));
    if (unseparated !== undefined) {
      errors[f.key] = `${quoteValue(unseparated)}: separate a list's values with commas, such as 0.003, 0.01, 0.03.`;
      continue;
    }
    if (parts.length < 2) continue;
    for (const part of parts) { // each value as one run's: its own message, naming it
      const error = parse({ ...defaultTexts(), [f.key]: part }).errors[f.key];
      if (error) {
        errors[f.key] = `${quoteValue(part)}: ${error}${commaHint(f, text)}`;
        break;
      }
    }
    const repeated = parts.find((part, i) => !errors[f.key] && parts.findIndex((p) => Number(p) === Number(part)) < i);
    if (repeated !== undefined) {
      errors[f.key] = `${quoteValue(repeated)} is in the list twice: each value is a run, and the same run twice ` +
        'trains the same numbers twice. Remove one.';
    }
  }
  const listed = FIELDS.filter((f) => lists[f.key].length > 1);
  if (listed.length > MAX_SWEPT) {
    const names = listed.map((f) => f.label.toLowerCase());
    for (const f of listed.slice(MAX_SWEPT)) {
      errors[f.key] = `Lists in at most ${MAX_SWEPT} settings make a sweep (the grid of both); ` +
        `${names.slice(0, -1).join(', ')} and ${names.at(-1)} hold lists: make ${f.label.toLowerCase()} one value.`;
    }
  }
  const runs = listed.reduce((n, f) => n * lists[f.key].length, 1);
  if (!Object.keys(errors).length && runs > MAX_SWEEP_RUNS) {
    const last = /** @type {Field} */ (listed.at(-1));
    errors[last.key] = listed.length === 1
      ? `${runs} values: a sweep trains at most ${MAX_SWEEP_RUNS} runs. Shorten the list.`
      : `A grid of ${listed.map((f) => `${lists[f.key].length} ${f.label.toLowerCase()} values`).join(' × ')} ` +
        `is ${runs} runs: a sweep trains at most ${MAX_SWEEP_RUNS}. Shorten a list.`;
  }
  /** @type {Swept[]} */
  const swept = listed.map((field) => ({ field, values: lists[field.key].map(Number) }));
  if (Object.keys(errors).length) return { config: null, configs: null, swept, errors };
  /** @type {Config[]} */
  const configs = [];
  for (const combination of grid(listed.map((f) => lists[f.key].map((value) => [f.key, value])))) {
    const checked = parse({ ...texts, ...Object.fromEntries(combination) }, vocabSize);
    if (!checked.config) { // a combination refused as a whole (embedding size and heads, the model's size)
      const values = combination.map(([key, value]) => `${fieldOf(key).label.toLowerCase()} ${value}`).join(', ');
      for (const [key, error] of Object.entries(checked.errors)) {
        if (!listed.length) {
          errors[key] = error;
          continue;
        }
        // said at a list, which is what to change: `n-head=1,2,3` refused by the embedding size is heads' error
        const inList = listed.some((f) => f.key === key);
        const target = inList ? key : /** @type {Field} */ (listed.at(-1)).key;
        errors[target] = `With ${values}: ${inList ? error : `${fieldOf(key).label} ${error[0].toLowerCase()}` +
          `${error.slice(1)}`}`;
      }
      return { config: null, configs: null, swept, errors };
    }
    configs.push(checked.config);
  }
  return { config: configs[0], configs, swept, errors };
}

/**
 * Every combination of one item from each list, the first list's outermost.
 * @template T @param {T[][]} lists @returns {T[][]}
 */
function grid(lists) {
  return lists.reduce((/** @type {T[][]} */ combos, list) => combos.flatMap((combo) => list.map((item) => [...combo, item])),
    [[]]);
}

/** @param {string} key */
function fieldOf(key) {
  return /** @type {Field} */ (FIELDS.find((f) => f.key === key));
}

/** The defaults as the form's texts. */
function defaultTexts() {
  return Object.fromEntries(FIELDS.map((f) => [f.key, String(f.default)]));
}

/**
 * A hint for a list refused that may be one number written with a comma: a decimal comma (`0,01`, for 0.01) or a
 * thousands separator (`1,000`). ' ' and the hint, or ''.
 * @param {Field} f @param {string} text
 */
function commaHint(f, text) {
  if (f.kind === 'float' && /^\d+,\d+$/.test(text)) {
    return ` Lists use commas between values, and decimals a point: ${text.replace(',', '.')}, not ${text}.`;
  }
  if (f.kind === 'int' && /^\d{1,3}(,\d{3})+$/.test(text)) {
    return ` Lists use commas between values: write ${text.replace(/,/g, '')} without separators.`;
  }
  return '';
}

/** A value typed (or in a link) as a short quotation. @param {string} text */
function quoteValue(text) {
  return text.length > 20 ? `“${text.slice(0, 19)}…”` : `“${text}”`;
}

/**
 * A field's text as the hash and the sweep record it: a list without spaces (`0.003,0.01,0.03`), a value trimmed.
 * @param {string} text
 */
export function normalText(text) {
  const trimmed = String(text).trim();
  return trimmed.includes(',') ? trimmed.split(',').map((part) => part.trim()).join(',') : trimmed;
}

/** @param {string} text @param {Field['kind']} kind @returns {number | null} */
function parseNumber(text, kind) {
  const pattern = kind === 'int' ? /^[+-]?\d+$/ : /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
  if (!pattern.test(text)) return null;
  const value = Number(text);
  if (!Number.isFinite(value) || (kind === 'int' && !Number.isSafeInteger(value))) return null;
  return value;
}

/** A config's values as the form's texts. @param {Config} config @returns {Record<string, string>} */
export function textsOf(config) {
  return Object.fromEntries(FIELDS.map((f) => [f.key, String(config[f.key])]));
}

/**
 * The settings that differ from the defaults, as a URL hash (`#steps=50&seed=7`); '' for the defaults.
 * @param {Record<string, string>} texts by field key
 */
export function toHash(texts) {
  const params = new URLSearchParams();
  for (const f of FIELDS) {
    const text = normalText(texts[f.key]);
    if (text !== String(f.default)) params.set(fieldId(f), text);
  }
  const query = params.toString().replace(/%2C/g, ','); // a sweep's list reads as typed: #learning-rate=0.003,0.01
  return query ? `#${query}` : '';
}

/**
 * The field texts a URL hash holds, over the defaults (a sweep's lists as they are); unknown keys are ignored, bad
 * values kept to be shown.
 * A hash without `=` is a link to a part of the page (`#samples`, the names), not settings.
 * @param {string} hash
 * @returns {Record<string, string>} by field key
 */
export function fromHash(hash) {
  const texts = Object.fromEntries(FIELDS.map((f) => [f.key, String(f.default)]));
  if (!hash.includes('=')) return texts;
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  for (const f of FIELDS) {
    const text = params.get(fieldId(f));
    // kept to be shown if invalid, bounded (a value's length, or a sweep's list of values), and then marked as cut
    const bound = text?.includes(',') ? MAX_VALUE * MAX_SWEEP_RUNS : MAX_VALUE;
    if (text !== null) texts[f.key] = text.length > bound ? text.slice(0, bound) + CUT : text;
  }
  return texts;
}

/**
 * The terminal command that computes the same run.
 * @param {Config} config
 * @param {string | null} datasetName the user's file name, or null for the built-in names
 */
export function cliCommand(config, datasetName) {
  const args = ['python', '-m', 'microgpt'];
  if (datasetName !== null) args.push('--input', shellQuote(datasetName.startsWith('-') ? `./${datasetName}` : datasetName));
  for (const f of FIELDS) {
    if (config[f.key] !== f.default) args.push(f.flag, String(config[f.key]));
  }
  return args.join(' ');
}

/**
 * The terminal command that runs a script as the page ran it: in a folder whose input.txt is the dataset (a file of
 * the user's is copied there under that name; the built-in names are makemore's names.txt, which the reference
 * downloads itself when input.txt is missing).
 * @param {string} scriptName
 * @param {string | null} datasetName the user's file name, or null for the built-in names
 */
export function scriptCommand(scriptName, datasetName) {
  const run = `python3 ${shellQuote(scriptName.startsWith('-') ? `./${scriptName}` : scriptName)}`;
  return datasetName === null ? run : `cp ${shellQuote(datasetName.startsWith('-') ? `./${datasetName}` : datasetName)} ` +
    `input.txt && ${run}`;
}

/** @param {string} text */
function shellQuote(text) {
  return /^[\w./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The settings in a line, for the folded form's heading. A sweep's (`swept`, its lists, and `runs`, how many) says
 * so first, with its values, and leaves its swept settings out of the rest: they differ from run to run.
 * @param {Config} config the run's, or the sweep's first run's @param {Swept[]} [swept] @param {number} [runs]
 */
export function summary(config, swept = [], runs = 1) {
  const c = config;
  const isSwept = (/** @type {keyof Config} */ key) => swept.some(({ field }) => field.key === key);
  const model = `${c.n_layer} layer${c.n_layer === 1 ? '' : 's'} × ${c.n_embd} wide`;
  const parts = [
    !isSwept('steps') && `${c.steps.toLocaleString('en')} steps`,
    !isSwept('seed') && `seed ${c.seed}`,
    !isSwept('n_layer') && !isSwept('n_embd') && model,
    !isSwept('n_head') && `${c.n_head} head${c.n_head === 1 ? '' : 's'}`,
    !isSwept('block_size') && `block ${c.block_size}`,
  ].filter(Boolean);
  if (!swept.length) return parts.join(', ');
  const values = swept.map(({ field, values }) => `${field.label.toLowerCase()} ${values.join(', ')}`).join(' × ');
  return `sweep of ${runs} runs: ${values}${parts.length ? `; ${parts.join(', ')}` : ''}`;
}
