"""Saving and resuming: a run saved halfway and resumed in a fresh process continues bit for bit; the checkpoint
file around the state, and every bad state or file refused before a model is built, in one short line."""

import hashlib
import json
import subprocess
import sys

import pytest

from conftest import ROOT, assert_same_floats, golden
from microgpt import CheckpointError, Config, Trainer, checkpoint, load, save, sources
from microgpt.sources import MODULES

RESUME = """
import json, sys
from microgpt import builtin_names, documents, load
state = json.load(sys.stdin)
trainer = load(state, documents(builtin_names()))
losses = []
while not trainer.done:
    losses.append(trainer.step())
json.dump({'losses': losses, 'samples': trainer.final_samples()}, sys.stdout)
"""


def resume_in_fresh_process(state):
    out = subprocess.run([sys.executable, '-c', RESUME], input=json.dumps(state), cwd=ROOT,
                         capture_output=True, text=True, timeout=600, check=True)
    return json.loads(out.stdout)


def test_resume_matches_the_golden_run(names):
    g = golden('variant-small')
    trainer = Trainer(Config(**g['config']), names)
    first = [trainer.step() for _ in range(15)]
    rest = resume_in_fresh_process(save(trainer))
    assert_same_floats(first + rest['losses'], g['trace'])
    assert rest['samples'] == g['samples']


def test_50_save_50_equals_100(names):
    config = Config(steps=100)
    whole = Trainer(config, names)
    losses = [whole.step() for _ in range(100)]
    half = Trainer(config, names)
    first = [half.step() for _ in range(50)]
    rest = resume_in_fresh_process(json.loads(json.dumps(save(half))))
    assert_same_floats(first + rest['losses'], losses)
    assert rest['samples'] == whole.final_samples()


@pytest.fixture(scope='module')
def state():
    docs = ['ab', 'ba', 'abc']
    trainer = Trainer(Config(steps=4, n_embd=4, n_head=2, block_size=4), docs)
    trainer.step()
    return docs, json.loads(json.dumps(save(trainer)))


def broken(state, **changes):
    s = json.loads(json.dumps(state))
    for key, value in changes.items():
        s[key] = value
    return s


@pytest.mark.parametrize('change, message', [
    (lambda s: [], 'not a microgpt state'),
    (lambda s: broken(s, format='other'), 'not a microgpt state'),
    (lambda s: broken(s, version=2), 'unsupported state version 2'),
    (lambda s: {k: v for k, v in s.items() if k != 'adam_v'}, 'lacks adam_v'),
    (lambda s: broken(s, config={**s['config'], 'n_head': 3}), 'divisible'),
    (lambda s: broken(s, config={**s['config'], 'bogus': 1}), 'unknown config field'),
    (lambda s: broken(s, vocab=['a', 'b', 'z']), 'another dataset'),
    (lambda s: broken(s, docs_sha256='0' * 64), 'another dataset'),
    (lambda s: broken(s, step=5), 'step must be an integer from 0 to 4'),
    (lambda s: broken(s, step='1'), 'step must be an integer'),
    (lambda s: broken(s, params={**s['params'], 'wte': s['params']['wte'][:-1]}), r"params\['wte'\] must be a 4x4"),
    (lambda s: broken(s, params={k: s['params'][k] for k in list(s['params'])[::-1]}), 'in that order'),
    (lambda s: broken(s, params={**s['params'], 'wpe': [[None] * 4] * 4}), 'finite numbers'),
    (lambda s: broken(s, adam_m=s['adam_m'][:-1]), 'adam_m must be a list of'),
    (lambda s: broken(s, adam_v=['x'] * len(s['adam_v'])), 'adam_v must hold finite numbers'),
    (lambda s: broken(s, rng=[3, [0] * 624 + [625], None]), 'rng is not a valid random generator state'),
    (lambda s: broken(s, preview_rng='seed'), 'preview_rng is not a valid'),
    (lambda s: broken(s, adam_m=[10 ** 400] * len(s['adam_m'])), 'adam_m must hold finite numbers'),
    (lambda s: broken(s, adam_v=[-1.0] * len(s['adam_v'])), 'adam_v must hold no negative numbers'),
    (lambda s: broken(s, vocab='ab'), 'vocab must be a list of characters'),
    (lambda s: broken(s, config={**s['config'], 'n_embd': 8}), r"params\['wte'\] must be a 4x8"),
    # a config far larger than the limits is refused before a model of that size is built
    (lambda s: broken(s, config={**s['config'], 'n_embd': 40_000, 'n_head': 1}),
     'n_embd is 40,000; a browser tab takes 1 to 256'),
    (lambda s: broken(s, config={**s['config'], 'n_layer': 10 ** 9}), 'n_layer is 1,000,000,000; a browser tab'),
    (lambda s: broken(s, config={**s['config'], 'n_layer': 10 ** 30, 'n_embd': 10 ** 30}),
     'n_layer is 1,000,000,000,000,000,000,000,000,000,000;'),
    (lambda s: broken(s, config={**s['config'], 'steps': 10 ** 7}),
     'steps is 10,000,000; a browser tab takes 1 to 1,000,000'),
    (lambda s: broken(s, vocab=[chr(i) for i in range(0x4e00, 0x4e00 + 300_000)]), 'the output layer is too large'),
    # a missing field is not silently the default: a 2-head model does not resume as a 4-head one
    (lambda s: broken(s, config={k: v for k, v in s['config'].items() if k != 'n_head'}), 'the config lacks n_head'),
    (lambda s: broken(s, config={**s['config'], 'learning_rate': 10 ** 400}), 'learning_rate must be a finite number'),
    (lambda s: broken(s, config={1: 2, 'a': 3}), "unknown config field.*'a', 1"),
])
def test_bad_states_are_refused_clearly(state, change, message):
    docs, good = state
    with pytest.raises(ValueError, match=message):
        load(change(good), docs)


def test_a_good_state_loads(state):
    docs, good = state
    trainer = load(good, docs)
    assert trainer.steps_done == 1 and save(trainer) == good


def test_a_saved_state_is_a_copy(state):
    docs, good = state
    trainer = load(good, docs)
    saved = save(trainer)
    saved['vocab'].append('z')
    saved['params']['wte'][0][0] = 7.0
    assert save(trainer) == good


def test_documents_are_required(state):
    docs, good = state
    for bad in (None, 'ab', 7, {'ab': 1}):
        with pytest.raises(ValueError, match='docs must be a non-empty list of strings'):
            load(good, bad)


def test_the_same_documents_in_another_order_are_another_dataset(state):
    docs, good = state
    with pytest.raises(ValueError, match='another dataset'):
        load(good, docs[::-1])  # the seed shuffles another order into another sequence of documents


# ---- the checkpoint file ----

def test_a_checkpoint_file_resumes_to_the_golden_run(names):
    g = golden('variant-small')
    trainer = Trainer(Config(**g['config']), names)
    losses = [trainer.step() for _ in range(15)]
    text = checkpoint.dumps(trainer, losses, checkpoint.dataset_info(names))
    resumed, saved_losses = checkpoint.restore(checkpoint.loads(text.encode('utf-8')), names)
    rest = [resumed.step() for _ in range(15)]
    assert_same_floats(saved_losses + rest, g['trace'])
    assert resumed.final_samples() == g['samples']


def test_a_checkpoint_file_says_what_it_holds(names):
    trainer = Trainer(Config(steps=3), names)
    losses = [trainer.step()]
    saved = json.loads(checkpoint.dumps(trainer, losses, checkpoint.dataset_info(names)))
    assert list(saved) == ['format', 'version', 'microgpt', 'python', 'dataset', 'losses', 'state']
    assert (saved['format'], saved['version'], saved['microgpt']) == ('microgpt-checkpoint', 1, '0.2.0')
    assert saved['python'].startswith(('CPython 3.', 'PyPy 3.')) and f"({sys.platform})" in saved['python']
    names_txt = (ROOT / 'microgpt' / 'names.txt').read_text().split()
    assert saved['dataset'] == {'name': 'names.txt', 'builtin': True, 'documents': 32033,
                                'sha256': hashlib.sha256('\n'.join(names_txt).encode()).hexdigest()}
    assert saved['losses'] == losses and saved['state'] == json.loads(json.dumps(save(trainer)))


def test_dataset_info_of_a_file():
    docs = ['zoë', 'bob']
    assert checkpoint.dataset_info(docs, 'pets.txt') == {
        'name': 'pets.txt', 'builtin': False, 'documents': 2, 'sha256': hashlib.sha256(b'zo\xc3\xab\nbob').hexdigest()}


@pytest.mark.parametrize('name, expected', [
    (None, 'names-s42-1x16-step500of1000.microgpt.json'),
    ('my pets (2024).txt', 'my-pets-2024-s42-1x16-step500of1000.microgpt.json'),
    ('--rm -rf.txt', 'rm--rf-s42-1x16-step500of1000.microgpt.json'),
    ('../../etc/passwd', 'etc-passwd-s42-1x16-step500of1000.microgpt.json'),
    ('日本.txt', 'run-s42-1x16-step500of1000.microgpt.json'),
    ('a' * 100 + '.txt', 'a' * 40 + '-s42-1x16-step500of1000.microgpt.json'),
])
def test_file_names_say_what_the_file_holds(name, expected):
    dataset = checkpoint.dataset_info(['x'], name)
    assert checkpoint.file_name(Config(), dataset, 500) == expected


def test_losses_must_match_the_steps_done(names):
    trainer = Trainer(Config(steps=3), names)
    trainer.step()
    with pytest.raises(ValueError, match='one loss per step done'):
        checkpoint.dumps(trainer, [], checkpoint.dataset_info(names))


@pytest.fixture(scope='module')
def small():
    """A tiny run's checkpoint file after one of four steps, and its documents."""
    docs = ['ab', 'ba', 'abc']
    trainer = Trainer(Config(steps=4, n_embd=4, n_head=2, block_size=4), docs)
    losses = [trainer.step()]
    return docs, checkpoint.dumps(trainer, losses, checkpoint.dataset_info(docs, 'abc.txt'))


def edited(text, change, *raw):
    """The checkpoint `text` with `change` applied to its dict; each '"@N"' then replaced by raw JSON text raw[N]."""
    saved = json.loads(text)
    change(saved)
    out = json.dumps(saved)
    for i, value in enumerate(raw):
        out = out.replace(f'"@{i}"', value)
    return out


def put(*path_value):
    *path, value = path_value

    def change(d):
        for key in path[:-1]:
            d = d[key]
        d[path[-1]] = value
    return change


DIGITS = '9' * 5000
DEEP = '[' * 500 + ']' * 500


@pytest.mark.parametrize('make, message', [
    (lambda t: b'', 'not JSON \\(Expecting value at line 1 column 1\\)'),
    (lambda t: t[:1], 'not JSON'),
    (lambda t: t[:100], 'not JSON'),
    (lambda t: t[:len(t) // 2], 'not JSON'),
    (lambda t: t[:-1], 'not JSON'),
    (lambda t: t[:500] + b'\xff' + t[501:], 'not UTF-8 text \\(invalid byte at offset 500\\)'),
    (lambda t: t.replace(b'"losses":[', b'"losses":[x', 1), 'not JSON \\(Expecting value at line 1 column'),
    (lambda t: b'{"a": 1}', "not a microgpt checkpoint: its format is None"),
    (lambda t: b'[]', 'a JSON array, not an object'),
    (lambda t: b'"checkpoint"', 'a JSON string, not an object'),
    (lambda t: b'[' * 5000 + b']' * 5000, 'nests lists or objects too deeply'),
    (lambda t: b'[' * 100_000 + b']' * 100_000, 'nests lists or objects too deeply'),
    (lambda t: edited(t, put('state', 'config', 'seed', '@0'), '[' * 5000 + ']' * 5000),
     r'nests lists or objects too deeply'),
    (lambda t: edited(t, put('dataset', 'name', '@0'), '[' * 5000 + ']' * 5000),
     r'nests lists or objects too deeply'),
    # refused before parsing: in Pyodide, json.loads overflows WebAssembly's stack long before 5,000 levels
    (lambda t: edited(t, put('state', 'config', 'seed', '@0'), DEEP),
     r'too deeply to be a checkpoint \(more than 8 levels'),
    (lambda t: edited(t, put('state', 'config', 'seed', '@0'), DIGITS), 'state.config.seed is an integer of 5,000'),
    (lambda t: edited(t, put('version', '@0'), DIGITS), '^version is an integer of 5,000 digits'),
    (lambda t: edited(t, put('state', 'step', '@0'), '-' + DIGITS), 'state.step is an integer of 5,000 digits'),
    (lambda t: edited(t, put('dataset', 'documents', '@0'), DIGITS), 'dataset.documents is an integer of 5,000'),
    (lambda t: edited(t, put('losses', 0, '@0'), DIGITS), r'losses\[0\] is an integer of 5,000 digits'),
    (lambda t: edited(t, put('state', 'adam_m', 3, '@0'), DIGITS), r'state.adam_m\[3\] is an integer of 5,000'),
    (lambda t: edited(t, put('state', 'params', 'wte', 1, 2, '@0'), 'NaN'),
     r'state.params.wte\[1\]\[2\] is NaN, not a finite number'),
    (lambda t: edited(t, put('losses', 0, '@0'), '-Infinity'), r'losses\[0\] is -Infinity, not a finite number'),
    (lambda t: edited(t, put('state', 'adam_v', 0, '@0'), '1e400'), r'state.adam_v\[0\] is 1e400, beyond any float'),
    (lambda t: edited(t, put('state', 'config', 'learning_rate', 'x')), "learning_rate must be a number, got 'x'"),
    (lambda t: edited(t, lambda s: s['state']['config'].pop('n_head')), 'the config lacks n_head'),
    (lambda t: edited(t, put('state', 'config', 'n_layer', 100_000)), 'n_layer is 100,000; a browser tab takes 1 to 8'),
    (lambda t: edited(t, put('state', 'config', 'n_layer', 3)),
     r'params must hold the 21 matrices of the config \(wte, wpe, lm_head, layer0.attn_wq, …\) in that order'),
    (lambda t: edited(t, put('state', 'config', 'block_size', 2048)),
     'block_size is 2,048; a browser tab takes 1 to 256'),
    (lambda t: edited(t, put('state', 'config', 'steps', 10 ** 9)), 'steps is 1,000,000,000; a browser tab'),
    (lambda t: edited(t, put('version', 0)), r'format version 0; this microgpt \(0.2.0\) reads version 1: it was not'),
    (lambda t: edited(t, put('version', 2)), 'format version 2; .* reads version 1: open it with a newer microgpt'),
    (lambda t: edited(t, put('version', '1')), "format version '1'"),
    (lambda t: edited(t, put('format', 'x' * 1000)), "its format is 'xxxxxxx.*…, not 'microgpt-checkpoint'"),
    (lambda t: json.dumps(json.loads(t)['state']), 'a bare trainer state'),
    (lambda t: edited(t, lambda s: s.pop('losses')), 'the checkpoint lacks losses'),
    (lambda t: edited(t, put('extra', 1)), "unknown field\\(s\\) 'extra'"),
    (lambda t: edited(t, put('dataset', 'name', 'x' * 256)), 'dataset.name must be a file name of 1 to 255'),
    (lambda t: edited(t, put('dataset', 'name', 'a\nb')), 'dataset.name must be a file name'),
    (lambda t: edited(t, put('dataset', 'builtin', 'yes')), 'dataset.builtin must be true or false'),
    (lambda t: edited(t, put('dataset', 'documents', 0)), 'dataset.documents must be a positive integer'),
    (lambda t: edited(t, put('dataset', 'sha256', 'AB' * 32)), 'dataset.sha256 must be 64 lowercase hex'),
    (lambda t: edited(t, put('dataset', [])), 'dataset must be an object of name'),
    (lambda t: edited(t, put('microgpt', None)), 'microgpt must be a short line of text'),
    (lambda t: edited(t, put('losses', [])), 'losses must be a list of the 1 losses of the steps done, got 0'),
    (lambda t: edited(t, put('losses', 0, '1.5')), r"losses\[0\] must be a finite number, got '1.5'"),
    (lambda t: edited(t, put('losses', 0, 2)), r"losses\[0\] must be a finite number, got 2"),
    (lambda t: edited(t, put('state', 'vocab', ['a', 'b', 'cd'])), 'vocab must be a list of characters'),
    (lambda t: edited(t, put('state', 'adam_v', 0, -1.0)), 'adam_v must hold no negative numbers'),
    # the code a run was trained with, when edited on the page
    (lambda t: edited(t, put('sources', None)), '^sources must be an object of edited modules and their text, got None'
                                                '$'),
    (lambda t: edited(t, put('sources', ['model.py'])), "^sources must be an object of edited modules .*got \\['model"),
    (lambda t: edited(t, put('sources', 'x = 1')), "^sources must be an object of edited modules and their text"),
    (lambda t: edited(t, put('sources', {'evil.py': 'x'})), "^sources holds 'evil.py', which is not a module of "
                                                            "microgpt$"),
    (lambda t: edited(t, put('sources', {'sources.py': 'x'})), "^sources holds 'sources.py', which is not a module"),
    (lambda t: edited(t, put('sources', {'model.py': 'x', '../x.py': 'y'})), "^sources holds '../x.py', which is not"),
    (lambda t: edited(t, put('sources', {'model.py': 3})), "^sources.model.py must be the module's text, got 3$"),
    (lambda t: edited(t, put('sources', {'model.py': {'a': 1}})), "^sources.model.py must be the module's text, got {"),
    (lambda t: edited(t, put('sources', {'cli.py': 'x' * 1_000_001})),
     "^sources.cli.py is 1,000,001 characters, more than a module may have \\(1,000,000\\)$"),
    (lambda t: edited(t, put('sources', {f'{i}.py': '' for i in range(len(MODULES) + 1)})),
     f"^sources must hold at most microgpt's {len(MODULES)} modules, got {len(MODULES) + 1}$"),
])
def test_bad_files_are_refused_in_one_short_line(small, make, message):
    docs, text = small
    data = make(text.encode('utf-8'))
    with pytest.raises(CheckpointError, match=message) as e:
        checkpoint.loads(data if isinstance(data, bytes) else data.encode('utf-8'))
    assert len(str(e.value)) < 300 and '\n' not in str(e.value), str(e.value)


def test_a_checkpoint_records_the_edited_code_and_round_trips(small):
    docs, text = small
    trainer, losses = checkpoint.restore(checkpoint.loads(text), docs)
    dataset = checkpoint.dataset_info(docs, 'abc.txt')
    code = {'__init__.py': '"""edited"""\n', 'model.py': sources.originals()['model.py'].replace('relu()', 'relu()**2')}
    with_code = checkpoint.dumps(trainer, losses, dataset, sources=code)
    saved = json.loads(with_code)
    assert list(saved) == ['format', 'version', 'microgpt', 'python', 'sources', 'dataset', 'losses', 'state']
    assert list(saved['sources'].items()) == [('model.py', code['model.py']), ('__init__.py', code['__init__.py'])]
    loaded = checkpoint.loads(with_code.encode())
    assert loaded['sources'] == code
    resumed, resumed_losses = checkpoint.restore(loaded, docs)
    assert checkpoint.dumps(resumed, resumed_losses, dataset, sources=loaded['sources']) == with_code
    # without edited code, the bytes of a file as before the code editor
    assert checkpoint.dumps(trainer, losses, dataset, sources={}) == checkpoint.dumps(trainer, losses, dataset) == text
    assert 'sources' not in checkpoint.loads(text) and '"sources"' not in text


def test_edited_code_that_no_file_can_hold_is_not_written(small):
    docs, text = small
    trainer, losses = checkpoint.restore(checkpoint.loads(text), docs)
    with pytest.raises(CheckpointError, match="^sources holds 'evil.py', which is not a module of microgpt$"):
        checkpoint.dumps(trainer, losses, checkpoint.dataset_info(docs), sources={'evil.py': ''})


def test_a_run_and_its_code_too_large_for_a_file_are_not_written(small, monkeypatch):
    docs, text = small
    trainer, losses = checkpoint.restore(checkpoint.loads(text), docs)
    code = {'model.py': 'x' * 1000}
    size = len(text) + len(',"sources":{"model.py":""}') + 1000
    monkeypatch.setattr(checkpoint, 'MAX_BYTES', len(text) + 1000)
    with pytest.raises(ValueError, match=f'^the checkpoint would be {size:,} bytes, more than any '
                                         f'checkpoint may be \\({len(text) + 1000:,}\\): the edited code is too large'):
        checkpoint.dumps(trainer, losses, checkpoint.dataset_info(docs, 'abc.txt'), sources=code)


def test_a_file_larger_than_any_checkpoint_is_refused_unread(small, monkeypatch):
    docs, text = small
    monkeypatch.setattr(checkpoint, 'MAX_BYTES', len(text) - 1)
    with pytest.raises(CheckpointError, match=f'the file is {len(text):,} bytes, more than any checkpoint'):
        checkpoint.loads(text.encode())


def test_a_good_file_restores_and_writes_the_same_bytes(small):
    docs, text = small
    trainer, losses = checkpoint.restore(checkpoint.loads(text), docs)
    assert trainer.steps_done == 1 and len(losses) == 1
    assert checkpoint.dumps(trainer, losses, checkpoint.dataset_info(docs, 'abc.txt')) == text


@pytest.mark.parametrize('docs', [['ab', 'ba'], ['ba', 'ab', 'abc'], ['ab', 'ba', 'abd']])
def test_another_dataset_is_named(small, docs):
    with pytest.raises(checkpoint.DatasetMismatch) as e:
        checkpoint.restore(checkpoint.loads(small[1]), docs)
    assert e.value.expected == json.loads(small[1])['dataset']
    digest = hashlib.sha256('\n'.join(['ab', 'ba', 'abc']).encode()).hexdigest()
    assert str(e.value) == f"this checkpoint was trained on abc.txt (3 documents, sha256 {digest[:8]}…): " \
                           "give that file"


def test_documents_are_required_to_restore(small):
    for docs in (None, 'ab', [b'ab']):
        with pytest.raises(ValueError, match='docs must be a list of strings'):
            checkpoint.restore(checkpoint.loads(small[1]), docs)


def test_the_builtin_names_are_named(names):
    trainer = Trainer(Config(steps=3, n_layer=1, n_embd=4, n_head=1, block_size=2), names)
    saved = checkpoint.loads(checkpoint.dumps(trainer, [], checkpoint.dataset_info(names)))
    with pytest.raises(checkpoint.DatasetMismatch, match=r'^this checkpoint was trained on the built-in names '
                                                         r'\(names.txt\): continue it on those$'):
        checkpoint.restore(saved, ['ab'])


def test_a_write_that_fails_leaves_the_old_file_and_no_other(tmp_path, monkeypatch):
    path = tmp_path / 'run.microgpt.json'
    path.write_text('old')

    def full(fd):
        raise OSError(28, 'No space left on device')
    monkeypatch.setattr(checkpoint.os, 'fsync', full)
    with pytest.raises(OSError, match='No space left'):
        checkpoint.write(path, 'new')
    assert path.read_text() == 'old' and [p.name for p in tmp_path.iterdir()] == ['run.microgpt.json']
    monkeypatch.undo()
    checkpoint.write(path, 'new')
    assert path.read_text() == 'new' and [p.name for p in tmp_path.iterdir()] == ['run.microgpt.json']


@pytest.mark.slow
def test_the_largest_checkpoint_the_limits_allow_fits_max_bytes():
    """MAX_BYTES's figure: every parameter a row of its own (n_embd = 1), the longest float everywhere, the largest
    vocabulary the parameters allow, of characters JSON writes as 12 bytes, and MAX_STEPS losses."""
    from microgpt import limits
    longest = -2.2250738585072014e-308
    config = Config(n_layer=1, n_embd=1, n_head=1, block_size=1, steps=limits.MAX_STEPS)
    vocab = [chr(0x10000 + i) for i in range(524_280)]
    n = limits.num_params(config, len(vocab) + 1)
    assert n <= limits.MAX_PARAMS < n + 2
    from microgpt.model import param_shapes
    state = {'format': 'microgpt-state', 'version': 1, 'config': config.to_dict(), 'vocab': vocab,
             'docs_sha256': '0' * 64, 'step': limits.MAX_STEPS,
             'params': {name: [[longest] * cols for _ in range(rows)]
                        for name, (rows, cols) in param_shapes(config, len(vocab) + 1).items()},
             'adam_m': [longest] * n, 'adam_v': [-longest] * n,
             'rng': [3, [2 ** 32 - 1] * 624 + [624], None], 'preview_rng': [3, [2 ** 32 - 1] * 624 + [624], None]}
    text = json.dumps({'format': 'microgpt-checkpoint', 'version': 1, 'microgpt': '0.2.0', 'python': 'CPython 3.11.7',
                       'dataset': {'name': 'x' * 255, 'builtin': False, 'documents': 1, 'sha256': '0' * 64},
                       'losses': [-longest] * limits.MAX_STEPS, 'state': state}, separators=(',', ':'))
    assert 110_000_000 < len(text) < checkpoint.MAX_BYTES
    assert checkpoint.loads(text)['state']['step'] == limits.MAX_STEPS
