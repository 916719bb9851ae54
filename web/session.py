"""The Python half of the web worker: one training session driven through microgpt's public API.

worker.js calls these methods through Pyodide and only ever gets plain values back (numbers, strings, lists and
dicts of them), so no Python object outlives a call on the JavaScript side. Training runs in chunks: `run(seconds)`
steps until the time is up, then returns, so the worker can read its messages (pause, stop, generate) in between.
"""

import time

import microgpt
from microgpt.model import num_params


class Session:
    def __init__(self):
        self.docs, self.known, self.vocab_size = None, set(), 0
        self.trainer, self.losses = None, []
        self.seconds = 0.0  # training time of the current run, not counting pauses

    def load_dataset(self, name, data):
        """Parse a dataset (UTF-8 bytes, or None for the built-in names); a bad one raises and the current one stays."""
        docs = microgpt.documents(microgpt.builtin_names() if data is None else data)
        self.docs, self.known = docs, set(docs)
        self.vocab_size = microgpt.Tokenizer.from_documents(docs).vocab_size
        return {'name': name, 'documents': len(docs), 'vocabSize': self.vocab_size}

    def num_params(self, config):
        return num_params(microgpt.Config.from_dict(config), self.vocab_size)

    def start(self, config):
        self.trainer = microgpt.Trainer(microgpt.Config.from_dict(config), self.docs)
        self.losses, self.seconds = [], 0.0
        return {'steps': self.trainer.config.steps}

    def run(self, seconds, preview_every, preview_count):
        """Train for about `seconds`, stopping early at a preview step or at the end; return the new losses."""
        trainer, first = self.trainer, len(self.losses)
        start = time.perf_counter()
        while not trainer.done:
            self.losses.append(trainer.step())
            if trainer.steps_done % preview_every == 0 or time.perf_counter() - start >= seconds:
                break
        self.seconds += time.perf_counter() - start
        result = {'step': trainer.steps_done, 'losses': self.losses[first:], 'seconds': self.seconds,
                  'done': trainer.done, 'preview': None, 'final': None}
        if trainer.done:
            result['final'] = self.names(trainer.final_samples())
        elif trainer.steps_done % preview_every == 0:
            result['preview'] = self.names(trainer.preview(preview_count))
        return result

    def steps_done(self):
        return self.trainer.steps_done if self.trainer else 0

    def generate(self, count, temperature):
        if self.trainer is None:
            raise ValueError("there are no weights yet: press Train first")
        return self.names(self.trainer.preview(count, temperature))

    def names(self, texts):
        return [{'text': t, 'known': t in self.known} for t in texts]

    def losses_csv(self):
        """The loss history as CSV, each loss as Python's repr: the shortest text that reads back to the same double."""
        return 'step,loss\n' + ''.join(f'{i},{loss!r}\n' for i, loss in enumerate(self.losses, start=1))
