"""The held-out loss: one number to compare runs by, the loss over documents that none of them trained on.

The reference has none: it trains on one document per step and prints that document's loss, so a run's losses are
of the documents it is learning. Runs compared on the same dataset can also be compared on documents they have not
seen, without changing any of them:
- `choose(docs, runs)` picks the held-out documents for a comparison: a run of `steps` steps trains on the first
  `steps` documents of its shuffled list (step s on document s % len(docs), see `Trainer._step`), so the end of the
  list is a part it never reaches. Each run's list is recomputed here with a generator of its own, seeded as the
  run's, so no run's generator moves: every run trains, and samples, exactly as it would alone;
- `loss(model, tokenizer, docs)` is a model's mean loss over them, each document's loss being the very number a
  training step on it would print (`trainer.document_loss`), so held-out and training losses are the same measure
  (`document_losses` and `mean` compute it in parts);
- `longest_run(docs, heldout, seed)` says how long a run with a seed can be before it trains on one of them, which
  the page tells the learner.

A held-out document is one whose text no run trains on, not only one whose line no run reaches: the built-in names
hold 32,033 lines but 29,494 distinct names ('emma' is both a girl's and a boy's name, on two lines), and a model
that trained on one 'emma' has seen the other.
"""

import math
import random
from collections import namedtuple

from .trainer import document_loss, gc_paused

HELDOUT_DOCS = 100  # documents held out, at most: see `size`
HELDOUT_SHARE = 10  # at most one document in this many is held out, so a small dataset still holds some out

HeldOut = namedtuple('HeldOut', ['docs', 'seed', 'reason'])
HeldOut.__doc__ = """The held-out documents of a comparison (`choose`). `docs`: the documents (strs), in the order
they stand at the end of the shuffled list of `seed` (the runs' smallest seed), or [] when there are none, and then
`reason` says why in a sentence (else None)."""


def size(num_docs):
    """How many documents a dataset of `num_docs` holds out: HELDOUT_DOCS, but no more than one in HELDOUT_SHARE.

    Runs are compared on the same documents, so what counts is how much their difference varies from one set of
    documents to another, which is far less than the loss itself. Measured on the built-in names after the default
    1,000 steps: one name's loss varies by 0.40 (standard deviation) from name to name, so the mean over 100 names by
    ~0.04, but the difference between two runs' losses on the same name (learning rates 0.01 and 0.02) by 0.08, so
    their difference over 100 names by ~0.008, for a difference of 0.013 between those runs. More documents would
    cost more time at the end of every run (one forward pass each, see `loss`) for little more certainty. A small
    dataset holds out a tenth of its documents, so runs of up to about nine tenths of its length can leave them
    unseen; one of fewer than HELDOUT_SHARE documents, none.
    """
    return min(HELDOUT_DOCS, num_docs // HELDOUT_SHARE)


def shuffled(num_docs, seed):
    """The order in which a run with `seed` trains on a dataset of `num_docs` documents: the list of their indices
    (into the documents as `microgpt.documents()` returns them) that the run's first random call makes.

    `Trainer` seeds `random.Random(seed)` and shuffles the documents with it before anything else, as the reference
    seeds and shuffles; shuffling moves items by position only, so the same call on their indices gives the same
    order. The generator here is a new one: the run's own is never touched.
    """
    order = list(range(num_docs))
    random.Random(seed).shuffle(order)
    return order


def choose(docs, runs):
    """The held-out documents for comparing `runs`, each a `(seed, steps)` pair, trained on `docs` (the documents as
    `microgpt.documents()` returns them, before any shuffling). Returns a `HeldOut`.

    They are the last `size(len(docs))` documents of the shuffled list of the smallest seed among the runs whose
    text no run trains on (a run of `steps` steps trains on the first `steps` of its list, all of them once `steps`
    reaches `len(docs)`). Why this list: for one run, or for runs that share a seed (a sweep of any other setting),
    the held-out documents are then those at the end of the runs' own list, which none of them reaches, and the
    same whatever the runs' lengths, so runs of 500 and of 1,000 steps are measured on the same documents; the
    smallest seed, so that the same runs give the same documents in any order. When fewer than that many
    documents are left unseen, there are none, and `reason` says why: the runs are too long, or the dataset too
    small. Comparing more runs may change the documents: a new smallest seed, or a run that trains on some of them.
    """
    _check_docs(docs)
    runs = _check_runs(runs)
    count, seed = size(len(docs)), min(seed for seed, _ in runs)
    if count == 0:
        return HeldOut([], seed, f"a dataset of {len(docs)} documents is too small to hold any out: "
                                 f"a held-out loss needs at least {HELDOUT_SHARE}")
    longest = {}  # each seed's longest run: its shorter runs train on part of what it trains on
    for s, steps in runs:
        longest[s] = max(longest.get(s, 0), steps)
    trained = set()  # the texts some run trains on
    for s, steps in longest.items():
        trained.update(docs[i] for i in shuffled(len(docs), s)[:steps])
    heldout = []
    for i in reversed(shuffled(len(docs), seed)):
        if docs[i] not in trained:
            heldout.append(docs[i])
            if len(heldout) == count:
                return HeldOut(heldout[::-1], seed, None)
    unseen = sum(doc not in trained for doc in docs)
    left = 'all' if unseen == 0 else f"all but {unseen:,}"
    steps = max(longest.values())
    runs_of = f"runs of {'up to ' if len(set(longest.values())) > 1 else ''}{steps:,} step{'s' if steps != 1 else ''}"
    return HeldOut([], seed, f"{runs_of} train on {left} of the {len(docs):,} documents: "
                             f"a held-out loss needs {count:,} that no run trains on")


def longest_run(docs, heldout, seed):
    """The most steps a run with `seed` on `docs` can take without training on a document of `heldout` (`choose`'s
    `docs`): the position in its shuffled list of the first document whose text is held out. A longer run would
    have seen one, and comparing it would need other documents."""
    _check_docs(docs)
    if type(seed) is not int:
        raise ValueError(f"seed must be an integer, got {seed!r:.40}")
    texts = set(heldout)
    for step, i in enumerate(shuffled(len(docs), seed)):
        if docs[i] in texts:
            return step
    raise ValueError("the held-out documents are not among the dataset's: choose them from the same documents")


def loss(model, tokenizer, docs):
    """The mean loss of `model` over `docs`: each document's loss as a training step on it computes it (the mean
    over its positions, cut to the block, `trainer.document_loss`), averaged over the documents.

    The same measure as the losses a run prints, so the two can be set side by side: a per-token mean (every
    position of every document weighing the same) would weigh long names more than training does, and differ from
    the training loss for that reason alone. Only forward passes: no gradient is computed or changed, no weight
    moves and no random generator is drawn from. It costs one forward pass per document, as much as training's
    (~5 ms natively for the default model, 100 documents ~0.55 s, three times that in Pyodide): a caller that must
    answer in between can take the documents a few at a time with `document_losses` and `mean`, to the same bits.
    """
    return mean(document_losses(model, tokenizer, docs))


def document_losses(model, tokenizer, docs):
    """Each document's loss, as a float: the loss a training step on it would print at these weights."""
    if not isinstance(docs, (list, tuple)) or not docs:
        raise ValueError("docs must be a non-empty list of documents: see choose()")
    for doc in docs:
        if not isinstance(doc, str) or any(ch not in tokenizer.ids for ch in doc):
            raise ValueError(f"the held-out document {doc!r:.40} is not of the model's dataset")
    try:
        with gc_paused():
            return [document_loss(model, tokenizer.encode(doc)).data for doc in docs]
    except (ValueError, OverflowError, ZeroDivisionError) as e:  # a log of 0, an exp overflowing: as in training
        raise FloatingPointError(f"the weights have diverged ({e}): train with a lower learning rate") from e


def mean(losses):
    """The mean of documents' losses (`document_losses`'), the same bits in any order and on every platform: the
    sum is `math.fsum`'s, exact until its one rounding, so the losses may be computed in parts, in any order."""
    if not losses:
        raise ValueError("there are no losses to average")
    try:
        total = math.fsum(losses)
    except (ValueError, OverflowError):  # inf - inf, or a sum past the largest float
        total = math.nan
    if not math.isfinite(total):
        raise FloatingPointError(f"the held-out loss is {total}: the weights have diverged, "
                                 "train with a lower learning rate")
    return total / len(losses)


def _check_docs(docs):
    if not isinstance(docs, (list, tuple)) or not docs or not all(isinstance(doc, str) for doc in docs):
        raise ValueError("docs must be a non-empty list of strings: see microgpt.documents()")


def _check_runs(runs):
    runs = [tuple(run) for run in runs]
    if not runs:
        raise ValueError("runs must hold at least one (seed, steps) pair")
    for run in runs:
        if len(run) != 2 or not all(type(n) is int for n in run) or run[1] < 0:
            raise ValueError(f"each run must be a (seed, steps) pair of integers, steps at least 0, got {run!r:.60}")
    return runs
