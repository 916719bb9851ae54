"""A trainer's whole state as a plain JSON-able dict, and back.

The state holds what the next step and the final samples depend on: the config, the vocabulary, the parameters, Adam's
moments, the step, and both random generators. Floats survive JSON exactly (Python writes the shortest repr that
reads back to the same double), so a run saved at step 50 and resumed in a fresh process continues bit for bit.
The documents are not in the state, only a digest of them: resuming needs the same dataset, and says so when the
dataset given is another one. A state is untrusted input: everything is checked before anything is used, and a
model larger than `microgpt.limits` allows is refused before it is built.
A checkpoint file (`microgpt.checkpoint`) holds a state with its losses and the name of its dataset.
"""

import hashlib
import math
import sys

from . import limits
from .config import Config, brief
from .model import param_shapes
from .trainer import Trainer

FORMAT = 'microgpt-state'
VERSION = 1


def save(trainer):
    return {
        'format': FORMAT,
        'version': VERSION,
        'config': trainer.config.to_dict(),
        'vocab': list(trainer.tokenizer.chars),
        'docs_sha256': _digest(trainer.docs),
        'step': trainer.steps_done,
        'params': {name: [[p.data for p in row] for row in mat] for name, mat in trainer.model.state_dict.items()},
        'adam_m': list(trainer.optimizer.m),
        'adam_v': list(trainer.optimizer.v),
        'rng': _rng_to_json(trainer.rng),
        'preview_rng': _rng_to_json(trainer.preview_rng),
    }


def load(state, docs):
    """A trainer that continues where the saved one stopped; `docs` must be the dataset it was trained on."""
    trainer = Trainer(check(state), docs)
    if state['vocab'] != trainer.tokenizer.chars or state['docs_sha256'] != _digest(trainer.docs):
        raise ValueError("the state was saved from another dataset: load it with the documents it was trained on")
    for name, mat in trainer.model.state_dict.items():
        for row, saved_row in zip(mat, state['params'][name]):
            for p, x in zip(row, saved_row):
                p.data = float(x)
    trainer.optimizer.m[:] = map(float, state['adam_m'])
    trainer.optimizer.v[:] = map(float, state['adam_v'])
    trainer.rng.setstate(_rng_from_json(state['rng'], 'rng'))
    trainer.preview_rng.setstate(_rng_from_json(state['preview_rng'], 'preview_rng'))
    trainer.steps_done = state['step']
    return trainer


def check(state):
    """Everything about a state that can be checked without its documents or a model; return its Config."""
    if not isinstance(state, dict) or state.get('format') != FORMAT:
        raise ValueError(f"not a microgpt state: expected a dict with format {FORMAT!r}")
    if state.get('version') != VERSION:
        raise ValueError(f"unsupported state version {brief(state.get('version'))}: "
                         f"this microgpt reads version {VERSION}")
    missing = sorted({'config', 'vocab', 'docs_sha256', 'step', 'params', 'adam_m', 'adam_v', 'rng', 'preview_rng'}
                     - set(state))
    if missing:
        raise ValueError(f"the state lacks {', '.join(missing)}")
    config = Config.from_dict(state['config'])
    vocab = state['vocab']
    if not isinstance(vocab, list) or not all(isinstance(ch, str) and len(ch) == 1 for ch in vocab):
        raise ValueError("vocab must be a list of characters")
    limits.check(config, len(vocab) + 1)
    # the shapes the state claims are checked against its config before a model of that config is built
    params = state['params']
    shapes = param_shapes(config, len(vocab) + 1)
    if not isinstance(params, dict) or list(params) != list(shapes):
        names = ', '.join(list(shapes)[:4]) + (', …' if len(shapes) > 4 else '')
        raise ValueError(f"params must hold the {len(shapes):,} matrices of the config ({names}) in that order")
    for name, (rows, cols) in shapes.items():
        saved = params[name]
        if not isinstance(saved, list) or len(saved) != rows or \
                any(not isinstance(row, list) or len(row) != cols for row in saved):
            raise ValueError(f"params[{name!r}] must be a {rows}x{cols} matrix")
        for row in saved:
            for x in row:
                _finite(x, f"params[{name!r}]")
    if not isinstance(state['docs_sha256'], str):
        raise ValueError("docs_sha256 must be a string")
    step = state['step']
    if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step <= config.steps:
        raise ValueError(f"step must be an integer from 0 to {config.steps}, got {brief(step)}")
    n = sum(rows * cols for rows, cols in shapes.values())
    for key in ('adam_m', 'adam_v'):
        if not isinstance(state[key], list) or len(state[key]) != n:
            raise ValueError(f"{key} must be a list of {n} numbers")
        for x in state[key]:
            _finite(x, key)
    if any(x < 0 for x in state['adam_v']):
        raise ValueError("adam_v must hold no negative numbers: it is a running mean of squares")
    _rng_from_json(state['rng'], 'rng')
    _rng_from_json(state['preview_rng'], 'preview_rng')
    return config


def _digest(docs):
    """The documents in the trainer's (shuffled) order: the same content in another order trains differently."""
    return hashlib.sha256('\n'.join(docs).encode('utf-8')).hexdigest()


def _finite(x, where):
    # abs(x) <= max is False for NaN and the infinities, and compares a huge int exactly, without float()'s overflow
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not abs(x) <= sys.float_info.max:
        raise ValueError(f"{where} must hold finite numbers, got {brief(x)}")


def _rng_to_json(rng):
    version, internal, gauss_next = rng.getstate()
    return [version, list(internal), gauss_next]


def _rng_from_json(saved, where):
    """A Mersenne Twister state: 624 32-bit words and a position, as `random.Random.getstate()` gives them."""
    ok = isinstance(saved, list) and len(saved) == 3 and saved[0] == 3 and isinstance(saved[1], list) \
        and len(saved[1]) == 625 and all(isinstance(w, int) and not isinstance(w, bool) for w in saved[1]) \
        and all(0 <= w < 2**32 for w in saved[1][:624]) and 0 <= saved[1][624] <= 624 \
        and (saved[2] is None or (isinstance(saved[2], float) and math.isfinite(saved[2])))
    if not ok:
        raise ValueError(f"{where} is not a valid random generator state")
    return saved[0], tuple(saved[1]), saved[2]
