"""The held-out loss: documents no run trains on, chosen without a draw from any run's generator, and their loss as
the reference computes a document's loss."""

import math
import random
from fractions import Fraction

import pytest

from conftest import assert_same_floats, golden
from microgpt import Config, Trainer, heldout

# A hand-worked dataset: 20 documents, 'ava' on two lines (as the built-in names repeat 'emma'), so 2 are held out
DOCS = ['ava', 'bo', 'cy', 'di', 'ed', 'fay', 'gus', 'hal', 'ivy', 'jo', 'kit', 'lu', 'max', 'ned', 'oz', 'pia', 'quin',
        'rex', 'sal', 'ava']
# the order each seed trains on them: what the reference's `random.seed(s); random.shuffle(docs)` gives
ORDERS = {1: ['lu', 'fay', 'rex', 'ava', 'jo', 'ava', 'quin', 'bo', 'pia', 'gus', 'kit', 'ned', 'oz', 'max', 'hal',
              'di', 'ivy', 'cy', 'sal', 'ed'],
          5: ['ed', 'jo', 'gus', 'fay', 'oz', 'rex', 'sal', 'bo', 'cy', 'pia', 'kit', 'di', 'max', 'hal', 'ned', 'ava',
              'quin', 'lu', 'ivy', 'ava']}
TINY = {'n_layer': 1, 'n_embd': 4, 'n_head': 1, 'block_size': 4}


def test_the_orders_are_the_runs():
    for seed, order in ORDERS.items():
        docs, reference = list(DOCS), random.Random()
        reference.seed(seed)
        reference.shuffle(docs)  # the reference's two calls, on a generator of the test's own
        assert docs == order
        assert Trainer(Config(seed=seed, **TINY), DOCS).docs == order
        assert [DOCS[i] for i in heldout.shuffled(len(DOCS), seed)] == order


def test_hand_worked_choices():
    assert heldout.size(len(DOCS)) == 2
    # one run of 16 steps trains on ORDERS[5][:16], 'ava' among them: the list's last document, the other 'ava', is
    # seen; the two before it are not
    assert heldout.choose(DOCS, [(5, 16)]) == (['lu', 'ivy'], 5, None)
    # the list is seed 1's, the smallest; seed 5's 4 steps train on 'ed', seed 1's last document, so it is skipped
    assert heldout.choose(DOCS, [(5, 4), (1, 5)]) == (['cy', 'sal'], 1, None)
    assert heldout.choose(DOCS, [(1, 5), (5, 4), (1, 2)]) == (['cy', 'sal'], 1, None)
    # how long a run can be before it trains on 'cy' or 'sal': seed 1 reaches 'cy' at step 18 (index 17), seed 5
    # 'sal' at step 7
    assert heldout.longest_run(DOCS, ['cy', 'sal'], 1) == 17
    assert heldout.longest_run(DOCS, ['cy', 'sal'], 5) == 6
    # seed 1 alone: 18 steps leave its last 2, 19 only 'ed'
    assert heldout.choose(DOCS, [(1, 18)]) == (['sal', 'ed'], 1, None)
    assert heldout.choose(DOCS, [(1, 19)]) == (
        [], 1, "runs of 19 steps train on all but 1 of the 20 documents: a held-out loss needs 2 that no run trains on")
    assert heldout.choose(DOCS, [(5, 30), (1, 3)]).reason == \
        "runs of up to 30 steps train on all of the 20 documents: a held-out loss needs 2 that no run trains on"
    assert heldout.choose(DOCS[:9], [(1, 1)]) == (
        [], 1, "a dataset of 9 documents is too small to hold any out: a held-out loss needs at least 10")
    assert heldout.choose(DOCS[:10], [(1, 1)]).docs == [DOCS[heldout.shuffled(10, 1)[-1]]]


def test_sizes():
    assert [heldout.size(n) for n in (0, 9, 10, 19, 20, 999, 1000, 1009, 32033)] == [0, 0, 1, 1, 2, 99, 100, 100, 100]


def _walk(runs, names):
    """The held-out documents worked out from the trainers' own shuffled lists: the end of the smallest seed's, less
    every text a run's first `steps` documents hold."""
    trained = {doc for seed, steps in runs for doc in Trainer(Config(seed=seed), names).docs[:steps]}
    order = Trainer(Config(seed=min(seed for seed, _ in runs)), names).docs
    return [doc for doc in order if doc not in trained][-100:]


def test_a_sweep_holds_out_what_no_run_reaches_in_any_order(names):
    runs = [(42, 1000), (1, 1000), (2, 3000), (42, 500), (7, 0)]
    state = random.getstate()
    held = heldout.choose(names, runs)
    assert random.getstate() == state  # the generators are its own
    assert held.seed == 1 and held.reason is None and len(held.docs) == 100
    assert held.docs == _walk(runs, names)
    for seed, steps in runs:  # no run trains on a held-out text, nor on the other line of a repeated name
        assert set(held.docs).isdisjoint(Trainer(Config(seed=seed), names).docs[:steps])
        assert heldout.longest_run(names, held.docs, seed) >= steps
    for order in (runs[::-1], runs[2:] + runs[:2], sorted(runs)):
        assert heldout.choose(names, order) == held
    # one seed: the last 100 documents of its list, however long its runs (none repeats a name trained on)
    trainer = Trainer(Config(), names)
    for steps in (1, 500, 1000):
        assert heldout.choose(names, [(42, steps)]).docs == trainer.docs[-100:]
    limit = heldout.longest_run(names, trainer.docs[-100:], 42)
    assert trainer.docs[limit] in trainer.docs[-100:] and set(trainer.docs[-100:]).isdisjoint(trainer.docs[:limit])


def test_a_run_measured_while_it_trains_keeps_the_reference_losses(names):
    """The golden small run, its held-out loss computed every 10 steps: the same losses and samples as the
    reference. And one document's held-out loss is, bit for bit, the loss the reference printed when it trained on
    it at those weights."""
    g = golden('variant-small')
    trainer = Trainer(Config(**g['config']), names)
    held = heldout.choose(names, [(trainer.config.seed, trainer.config.steps)])
    assert held.docs == trainer.docs[-100:]
    losses, measured = [], []
    while not trainer.done:
        step = trainer.steps_done
        if step % 10 == 0:
            measured.append(heldout.loss(trainer.model, trainer.tokenizer, held.docs))
        assert heldout.loss(trainer.model, trainer.tokenizer, [trainer.docs[step]]) == g['trace'][step]
        losses.append(trainer.step())
    measured.append(heldout.loss(trainer.model, trainer.tokenizer, held.docs))
    assert_same_floats(losses, g['trace'])
    assert trainer.final_samples() == g['samples']
    assert measured == sorted(measured, reverse=True) and 2 < measured[-1] < measured[0] < 4  # it learns


def test_the_loss_is_the_mean_of_the_documents_losses(names):
    trainer = Trainer(Config(steps=10), names)
    for _ in range(3):
        trainer.step()
    docs = heldout.choose(names, [(42, 10)]).docs
    each = [heldout.loss(trainer.model, trainer.tokenizer, [doc]) for doc in docs]
    # the exact mean of the exact losses, rounded once
    expected = float(sum(map(Fraction, each))) / len(each)
    assert heldout.loss(trainer.model, trainer.tokenizer, docs) == expected
    assert heldout.document_losses(trainer.model, trainer.tokenizer, docs) == each
    # in parts and in another order, the same bits
    parts = [heldout.document_losses(trainer.model, trainer.tokenizer, docs[i:i + 7]) for i in range(0, 100, 7)]
    assert heldout.mean([x for part in parts[::-1] for x in part]) == expected


def test_a_model_of_zero_weights_guesses_uniformly(names):
    """All weights 0: every logit is 0, each next token has probability 1/27, and every document's loss is ln 27,
    whatever its length."""
    trainer = Trainer(Config(), names)
    for p in trainer.model.params:
        p.data = 0.0
    assert heldout.loss(trainer.model, trainer.tokenizer, ['a', 'emma', 'x' * 40]) == pytest.approx(math.log(27),
                                                                                                   rel=1e-15)


def test_misuse_and_divergence_are_refused(names):
    for runs in ([], [(1,)], [(1, -1)], [(1.0, 5)], [(True, 5)], [('1', 5)]):
        with pytest.raises(ValueError, match='run'):
            heldout.choose(DOCS, runs)
    for docs in ([], None, ['a', 1]):
        with pytest.raises(ValueError, match='docs must be a non-empty list of strings'):
            heldout.choose(docs, [(1, 1)])
    with pytest.raises(ValueError, match='not among the dataset'):
        heldout.longest_run(DOCS, ['zed'], 1)
    trainer = Trainer(Config(steps=1), names)
    with pytest.raises(ValueError, match="'Zoë' is not of the model's dataset"):
        heldout.loss(trainer.model, trainer.tokenizer, ['emma', 'Zoë'])
    with pytest.raises(ValueError, match='non-empty list'):
        heldout.loss(trainer.model, trainer.tokenizer, [])
    trainer.model.state_dict['lm_head'][0][0].data = 1e300  # a weight driven huge
    with pytest.raises(FloatingPointError, match='diverged'):
        heldout.loss(trainer.model, trainer.tokenizer, ['emma', 'ava'])
