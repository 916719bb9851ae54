"""Driving the trainer: previews change nothing, steps free their graph, misuse is refused."""

import gc

import pytest

import microgpt.model
from conftest import assert_same_floats, golden
from microgpt import Config, Trainer
from microgpt.model import softmax


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


def test_a_nan_loss_stops_training_before_it_spreads(names):
    # the reference prints `loss nan` from step 2 to the end, then fails at sampling; this stops at step 2
    trainer = Trainer(Config(learning_rate=1e150, steps=20), names)
    trainer.step()
    before = [p.data for p in trainer.model.params]
    with pytest.raises(FloatingPointError, match=r'diverged at step 2 \(the loss is nan\): try a lower learning rate'):
        trainer.step()
    assert trainer.steps_done == 1 and [p.data for p in trainer.model.params] == before


def test_sampling_at_a_temperature_too_low_says_so(names):
    trainer = Trainer(Config(steps=1), names)
    trainer.step()
    with pytest.raises(FloatingPointError, match=r'sampling at temperature 1e-320 failed .*: try a higher temperature'):
        trainer.preview(1, temperature=1e-320)
    assert len(trainer.preview(1, temperature=1e-300)) == 1  # tiny but usable: 1 / 1e-300 is finite


def test_documents_are_required():
    for docs in ([], [b'emma'], None, 'emma', 7):
        with pytest.raises(ValueError, match='docs must be a non-empty list of strings'):
            Trainer(Config(), docs)


@pytest.mark.parametrize('settings', [{}, {'n_layer': 2, 'n_embd': 8, 'n_head': 2, 'block_size': 8},
                                      {'n_layer': 3, 'n_embd': 12, 'n_head': 3, 'block_size': 4}])
def test_every_gradient_is_the_reference_chains_bit_for_bit(monkeypatch, settings):
    """The model's fused sums (`autograd.dot`, `autograd.sum_of`) against the reference's `sum(wi * xi ...)` and
    `sum(...)` chains: one forward and backward over documents shorter and longer than the block gives the same bits
    in every gradient."""
    docs = ['emma', 'x', 'maximiliano', 'anne-marie o']
    def gradients():
        trainer = Trainer(Config(seed=5, **settings), docs)
        model, tokens = trainer.model, trainer.tokenizer.encode(trainer.docs[0] + trainer.docs[2])
        keys, values = model.empty_cache()
        n = min(model.config.block_size, len(tokens) - 1)
        losses = [-softmax(model(tokens[i], i, keys, values))[tokens[i + 1]].log() for i in range(n)]
        loss = (1 / n) * microgpt.model.sum_of(losses)
        loss.backward()
        return [loss.data] + [p.grad for p in model.params]
    fused = gradients()
    monkeypatch.setattr(microgpt.model, 'dot', lambda a, b: sum(ai * bi for ai, bi in zip(a, b)))
    monkeypatch.setattr(microgpt.model, 'sum_of', sum)
    chain = gradients()
    assert [repr(g) for g in fused] == [repr(g) for g in chain]  # repr: every bit, and int 0 where unused
    assert sum(g != 0 for g in fused) > len(fused) // 2  # the gradients are not trivially zero
