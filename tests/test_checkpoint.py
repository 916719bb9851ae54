"""Saving and resuming: a run saved halfway and resumed in a fresh process continues bit for bit."""

import json
import subprocess
import sys

import pytest

from conftest import ROOT, assert_same_floats, golden
from microgpt import Config, Trainer, load, save

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
    # a config far larger than its params is refused before a model of that size is built
    (lambda s: broken(s, config={**s['config'], 'n_embd': 40_000, 'n_head': 1}), r"params\['wte'\] must be a 4x40000"),
    (lambda s: broken(s, config={**s['config'], 'n_layer': 10 ** 9}), 'the 6000000003 weight matrices of a 1000000000-'),
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


def test_the_same_documents_in_another_order_are_another_dataset(state):
    docs, good = state
    with pytest.raises(ValueError, match='another dataset'):
        load(good, docs[::-1])  # the seed shuffles another order into another sequence of documents
