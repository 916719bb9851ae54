"""Driving the trainer: previews change nothing, steps free their graph, misuse is refused."""

import gc

import pytest

from conftest import assert_same_floats, golden
from microgpt import Config, Trainer


def test_previews_change_neither_the_trajectory_nor_the_final_samples(names):
    g = golden('variant-small')
    trainer = Trainer(Config(**g['config']), names)
    losses, previews = [], []
    while not trainer.done:
        losses.append(trainer.step())
        if trainer.steps_done % 5 == 0:
            previews.append(trainer.preview(3, temperature=1.0))
    assert_same_floats(losses, g['trace'])
    assert trainer.final_samples() == g['samples']
    assert len(previews) == 6 and all(len(p) == 3 for p in previews)


def test_previews_are_reproducible_and_differ_from_the_final_samples(names):
    config = Config(steps=1, samples=5)
    a, b = Trainer(config, names), Trainer(config, names)
    assert a.preview(5) == b.preview(5)
    a.step()
    assert a.preview(5) != a.final_samples()


def test_a_step_leaves_no_garbage_and_restores_the_collector(names):
    trainer = Trainer(Config(steps=3), names)
    gc.collect()
    trainer.step()
    trainer.preview(2)
    assert gc.isenabled()
    assert gc.collect() == 0  # the graph was freed by reference counting: no cycles left for the collector


def test_misuse_is_refused(names):
    trainer = Trainer(Config(steps=1), names)
    with pytest.raises(RuntimeError, match='0 of 1 steps done'):
        trainer.final_samples()
    trainer.step()
    with pytest.raises(RuntimeError, match='training is finished'):
        trainer.step()


def test_deep_configs_run(names):
    # a long block and several layers make the graph far deeper than the reference's recursive sort could go
    trainer = Trainer(Config(steps=1, n_layer=4, block_size=64, n_embd=8, n_head=2), ['x' * 63])
    loss = trainer.step()
    assert 0 < loss < 10


def test_divergence_is_reported_as_such(names):
    trainer = Trainer(Config(learning_rate=1e4, steps=40), names)
    with pytest.raises(FloatingPointError, match=r'training diverged at step \d+ \(math domain error\)'):
        while not trainer.done:
            trainer.step()
