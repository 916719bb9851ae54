"""Training, one step at a time: the reference's training loop, turned inside out so a program can drive it.

`Trainer(config, docs)` makes the same random calls as the reference, in the same order: seed, shuffle the
documents, draw the initial weights. Each `step()` then trains on the next document and returns its loss; the caller
may stop, look, save and resume between steps. After the last step, `final_samples()` draws the names the reference
prints, from the same generator. `preview()` draws names at any time from a generator of its own, so looking at the
model while it learns changes neither its training nor its final names. `document_loss` is a step's forward pass on
its own, so that `microgpt.inspect` computes the very loss, and graph, a step would.

Speed: a step builds a graph of a few thousand nodes (~3,800 for the default model; `autograd.dot` makes each
weighted sum one node). The graph has no reference cycles (see `autograd`), so reference counting frees it, and
CPython's cyclic garbage collector, triggered every few hundred or thousand allocations, only spends time
scanning it in vain. The collector is paused while a step, a sample or an inspection runs and restored afterwards:
the same numbers, 2% faster (natively and in Pyodide), and no memory held past the step (`tests/test_trainer.py`
checks that a step leaves no garbage).
"""

import gc
import math
import random
from contextlib import contextmanager

from .data import Tokenizer
from .autograd import sum_of
from .model import GPT, softmax
from .optim import Adam
from .sampling import sample


class Trainer:
    def __init__(self, config, docs):
        self.config = config
        self.rng = random.Random(config.seed)  # Let there be order among chaos
        self.preview_rng = random.Random(f"{config.seed}/preview")
        if not isinstance(docs, (list, tuple)) or not docs or not all(isinstance(doc, str) for doc in docs):
            raise ValueError("docs must be a non-empty list of strings: see microgpt.documents()")
        self.docs = list(docs)
        self.rng.shuffle(self.docs)
        self.tokenizer = Tokenizer.from_documents(self.docs)
        self.model = GPT(config, self.tokenizer.vocab_size, self.rng)
        self.optimizer = Adam(self.model.params, config.beta1, config.beta2, config.eps_adam)
        self.steps_done = 0

    @property
    def done(self):
        return self.steps_done >= self.config.steps

    def step(self):
        """Train on the next document; return the loss before the update (what the reference prints).

        A learning rate too high for the model drives the weights until a probability underflows to 0, an
        exponential overflows or the loss is NaN; the reference then dies with a math error (at once, or at sampling
        after printing `loss nan` to the end), this raises FloatingPointError saying so, the weights left as they
        were before the failed step.
        """
        if self.done:
            raise RuntimeError(f"training is finished: all {self.config.steps} steps are done")
        try:
            return self._step()
        except (ValueError, OverflowError, ZeroDivisionError) as e:
            raise FloatingPointError(f"training diverged at step {self.steps_done + 1} ({e}): "
                                     "try a lower learning rate") from e

    def _step(self):
        c, model, step = self.config, self.model, self.steps_done
        with gc_paused():
            # Take single document, tokenize it, surround it with BOS special token on both sides
            doc = self.docs[step % len(self.docs)]
            tokens = self.tokenizer.encode(doc)

            # Forward the token sequence through the model, building up the computation graph all the way to the loss
            loss = document_loss(model, tokens)
            if not math.isfinite(loss.data):  # NaN weights never recover: stop before the update spreads them
                raise ValueError(f"the loss is {loss.data}")

            # Backward the loss, calculating the gradients with respect to all model parameters
            loss.backward()

            # Adam optimizer update, with linear learning rate decay
            lr_t = c.learning_rate * (1 - step / c.steps)
            self.optimizer.step(lr_t, step + 1)
        self.steps_done += 1
        return loss.data

    def final_samples(self):
        """The names the reference prints after training, drawn from the run's own generator (so only once)."""
        if not self.done:
            raise RuntimeError(f"final samples come after training: "
                               f"{self.steps_done} of {self.config.steps} steps done")
        return self._samples(self.rng, self.config.samples, self.config.temperature)

    def preview(self, count, temperature=None):
        """Names from the current weights, drawn from a separate generator: training and final samples stay the same."""
        return self._samples(self.preview_rng, count, self.config.temperature if temperature is None else temperature)

    def _samples(self, rng, count, temperature):
        try:
            with gc_paused():
                return [sample(self.model, self.tokenizer, rng, temperature) for _ in range(count)]
        except (ValueError, OverflowError, ZeroDivisionError) as e:
            # logits / temperature overflowed: a temperature near 0, or weights grown huge by too high a learning rate
            raise FloatingPointError(f"sampling at temperature {temperature!r} failed ({e}): "
                                     "try a higher temperature, or train with a lower learning rate") from e


def document_loss(model, tokens, trace=None):
    """The mean loss of predicting each token of a document (BOS, its tokens, BOS) from those before it, as a `Value`
    at the root of the graph; a document longer than the block is cut to it, as in the reference.

    If `trace` is a list, one dict per position is appended to it, naming the nodes `microgpt.inspect` shows:
    `logits`, `probs`, `loss` (the position's loss) and `attention` (each head's weights, see `GPT.__call__`).
    """
    n = min(model.config.block_size, len(tokens) - 1)
    keys, values = model.empty_cache()
    losses = []
    for pos_id in range(n):
        token_id, target_id = tokens[pos_id], tokens[pos_id + 1]
        attention = None if trace is None else []
        logits = model(token_id, pos_id, keys, values, attention)
        probs = softmax(logits)
        loss_t = -probs[target_id].log()
        losses.append(loss_t)
        if trace is not None:
            trace.append({'logits': logits, 'probs': probs, 'loss': loss_t, 'attention': attention})
    return (1 / n) * sum_of(losses)  # final average loss over the document sequence. May yours be low.


@contextmanager
def gc_paused():
    """Pause the cyclic garbage collector (see the module's docstring), restoring its previous state afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
