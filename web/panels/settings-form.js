// The settings form: one field per CLI flag, checked as typed (settings.js), and the two texts that describe the
// run on screen: the equivalent terminal command and the URL hash. Settings edited after a run has started belong
// to the next run: they are marked as such, and the command and the link keep describing the run shown. A field may
// hold a comma-separated list of values: a sweep (lists in two fields, their grid), which the link carries as typed.

import { byId } from '../dom.js';
import { FIELDS, cliCommand, fieldId, fromHash, normalText, parseSweep, scriptCommand, summary, textsOf, toHash }
  from '../settings.js';
import { atOnce, sweepLabel } from '../sweep.js';

/** @typedef {import('../settings.js').Field} Field */

/** @param {import('../app.js').App} app */
export function mountSettings(app) {
  const cli = byId('cli-command');
  const cliCode = byId('cli-code');
  const edited = byId('settings-edited');
  const panel = /** @type {HTMLDetailsElement} */ (byId('settings-panel'));
  const folded = byId('settings-summary');
  const sweepInfo = byId('sweep-info');
  /** @type {Record<string, {input: HTMLInputElement, error: HTMLElement}>} each field's, by its key */
  const inputs = {};
  for (const f of FIELDS) inputs[f.key] = makeField(byId('fields'), f, () => onChange());

  fill(fromHash(location.hash));
  window.addEventListener('hashchange', () => {
    if (location.hash !== currentHash()) fill(fromHash(location.hash));
  });
  app.on('dataset', () => onChange()); // the output layer's bound and the parameter count depend on the vocabulary
  app.on('described', (/** @type {import('../protocol.js').Described} */ message) => {
    app.state.form.numParams = message.numParams;
  });
  // a link's settings, when the page restores the run the user left: they stay in the form, for the next run; and
  // a sweep's lists, when one of its runs is opened: the sweep (and its link) is still the one on screen
  let linked = location.hash.includes('=');
  app.on('opened', (/** @type {import('../protocol.js').Opened} */ message) => {
    if (!(linked && app.state.run?.restored) && !sweepOnScreen(app.state)) fill(textsOf(message.config));
    linked = false;
  });

  /** @param {Record<string, string>} texts by field key */
  function fill(texts) {
    for (const f of FIELDS) inputs[f.key].input.value = texts[f.key];
    onChange();
  }

  function formTexts() {
    return Object.fromEntries(FIELDS.map((f) => [f.key, inputs[f.key].input.value]));
  }

  function onChange() {
    const texts = formTexts();
    const { config, configs, swept, errors } = parseSweep(texts, app.state.dataset.vocabSize);
    for (const f of FIELDS) {
      const { input, error } = inputs[f.key];
      error.textContent = errors[f.key] || '';
      input.setAttribute('aria-invalid', String(Boolean(errors[f.key])));
    }
    Object.assign(app.state.form, { config, configs: configs && configs.length > 1 ? configs : null, swept, texts,
      numParams: undefined });
    if (!config) panel.open = true; // a mistake (typed, or in a link) is shown where it can be fixed
    const { phase, dataset } = app.state;
    if (config && dataset.info && phase !== 'loading' && phase !== 'crashed') app.send({ type: 'describe', config });
    app.render();
  }

  /** The hash of the run on screen, else of the sweep on screen (or of the sweep whose run is open), else of the
   * form. */
  function currentHash() {
    const { run, sweep } = app.state;
    if (run && !sweepOnScreen(app.state)) return toHash(run.script ? formTexts() : textsOf(run.config));
    return toHash(sweep ? sweep.texts : formTexts());
  }

  app.onRender((/** @type {import('../app.js').App['state']} */ state) => {
    const { run, form } = state;
    const hash = currentHash();
    if (location.hash !== hash) history.replaceState(null, '', hash || location.pathname + location.search);
    const dataset = run ? run.dataset : state.dataset.info;
    const name = dataset && !dataset.builtin ? dataset.name : null;
    folded.textContent = run?.script ? `${run.script.name} runs with the settings in its file`
      : form.config ? summary(form.config, form.configs ? form.swept : [], form.configs?.length) : '';
    // a sweep's runs are one command each, under a comment saying which run it is (as the comparison labels them)
    const configs = state.sweep ? state.sweep.runs.map((r) => r.config) : form.configs ?? (form.config && [form.config]);
    if (run?.script) cli.textContent = scriptCommand(run.script.name, name);
    else if (run) cli.textContent = cliCommand(run.config, name);
    else if (!configs) cli.textContent = 'Fix the settings marked above.';
    else if (configs.length === 1) cli.textContent = cliCommand(configs[0], name);
    else cli.textContent = configs.map((c, i) => `# ${i + 1}: ${labelOf(configs, c)}\n${cliCommand(c, name)}`).join('\n');
    describeSweep(state);
    // the installed package gives other numbers than edited code: the command then runs in the modified package
    const code = run ? run.code : Object.keys(state.code);
    cliCode.hidden = code.length === 0;
    cliCode.textContent = code.length ? `With edited code (${code.join(', ')}): run it in the folder of the ` +
      'modified package (Code panel, “Download the modified package”).' : '';
    // settings that differ from the run on screen are for the next run
    /** @type {Field[]} */
    let changed = [];
    const ofSweep = sweepOnScreen(state);
    if (run && !run.script && !ofSweep) changed = FIELDS.filter((f) => Number(inputs[f.key].input.value.trim() || NaN) !== run.config[f.key]);
    else if (state.sweep && (!run || ofSweep)) {
      const { texts } = state.sweep;
      changed = FIELDS.filter((f) => normalText(inputs[f.key].input.value) !== normalText(texts[f.key]));
    }
    for (const f of FIELDS) inputs[f.key].input.classList.toggle('edited', changed.includes(f));
    edited.hidden = changed.length === 0;
    edited.textContent = changed.length ? `Edited (${changed.map((f) => f.label.toLowerCase()).join(', ')}): ` +
      'these settings apply to the next run, when you press Train. The command, the link and the figures describe ' +
      `the ${state.sweep && (!run || ofSweep) ? 'sweep' : 'run'} on screen.` : '';
  });

  /** What Train will do with lists in the form: how many runs, of which values, and how many at once here; while
   * a sweep trains (none of its runs on screen), where its runs are.
   * @param {import('../app.js').App['state']} state */
  function describeSweep({ form, dataset, sweep, run, phase }) {
    const text = sweep && !run && (phase === 'training' || phase === 'paused') ? (() => {
      const count = (/** @type {string[]} */ ...states) => sweep.runs.filter((r) => states.includes(r.state)).length;
      const parts = [[count('training', 'starting'), 'training'], [count('paused'), 'paused'],
        [count('queued'), 'waiting'], [count('done', 'stopped', 'failed'), 'ended']].filter(([n]) => n)
        .map(([n, what]) => `${n} ${what}`);
      return `Sweep of ${sweep.runs.length} runs: ${parts.join(', ')}. Their losses and names are under ` +
        'Compare runs; each has its controls in the runs list.';
    })() : form.configs ? (() => {
      const { atOnce: n, why } = atOnce(form.configs, dataset.vocabSize);
      const values = form.swept.map(({ field, values }) => `${field.label.toLowerCase()} ${values.join(', ')}`);
      return `Train starts a sweep of ${form.configs.length} runs (${values.join(' × ')}), each in a worker of its ` +
        `own: ${n} at once on this machine (${why})${n < form.configs.length ? ', the others wait their turn' : ''}.`;
    })() : '';
    if (sweepInfo.textContent !== text) sweepInfo.textContent = text;
    sweepInfo.hidden = !text;
  }
}

/**
 * A run of a sweep in a few words, as the comparison labels it (sweep.js's sweepLabel): its swept values.
 * @param {import('../protocol.js').Config[]} configs @param {import('../protocol.js').Config} config
 */
function labelOf(configs, config) {
  return sweepLabel({ runs: configs.map((c) => /** @type {import('../sweep.js').SweepRun} */ ({ config: c })) },
    /** @type {import('../sweep.js').SweepRun} */ ({ config }), configs.indexOf(config));
}

/**
 * Whether the run on screen is a run of the sweep on screen, opened from its list: the form keeps the sweep's lists.
 * @param {import('../app.js').App['state']} state
 */
function sweepOnScreen({ run, sweep }) {
  return Boolean(run && sweep?.runs.some((r) => r.key === run.key));
}

/** @param {HTMLElement} container @param {Field} f @param {() => void} onInput */
function makeField(container, f, onInput) {
  const id = fieldId(f);
  const wrapper = document.createElement('div');
  wrapper.className = 'field';
  const label = document.createElement('label');
  label.htmlFor = id;
  label.textContent = f.label;
  const flag = document.createElement('span');
  flag.className = 'flag';
  flag.textContent = f.flag;
  label.append(' ', flag);
  const input = document.createElement('input');
  Object.assign(input, { id, name: id, type: 'text', autocomplete: 'off', spellcheck: false });
  input.inputMode = f.kind === 'int' ? 'numeric' : 'decimal';
  input.setAttribute('aria-describedby', `${id}-help ${id}-error settings-edited`);
  const help = document.createElement('p');
  help.id = `${id}-help`;
  help.className = 'help';
  help.textContent = f.help;
  const error = document.createElement('p');
  error.id = `${id}-error`;
  error.className = 'error';
  wrapper.append(label, input, help, error);
  container.append(wrapper);
  input.addEventListener('input', onInput);
  return { input, error };
}
