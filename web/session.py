"""The Python half of the web worker: one training session driven through microgpt's public API.

worker.js calls these methods through Pyodide and only ever gets plain values back (numbers, strings, lists and
dicts of them), so no Python object outlives a call on the JavaScript side. Training runs in chunks: `run(seconds)`
steps until the time is up, then returns, so the worker can read its messages (pause, stop, generate) in between.
Checkpoints are microgpt.checkpoint's files, the same bytes the command line reads and writes.
"""

import time

import microgpt
from microgpt import checkpoint, inspect
from microgpt.model import num_params


class Session:
    def __init__(self):
        self.docs, self.known, self.vocab_size, self.dataset = None, set(), 0, None
        self.trainer, self.losses = None, []
        self.run_dataset = None  # the dataset the trainer trains on: the current one may have changed since
        self.final = None  # a finished run's checkpoint, taken before its final samples drew from its generator
        self.seconds = 0.0  # training time of the current run, not counting pauses
        self.reading = None  # (trainer, step, text) and the forward pass over it: a new temperature reuses it
        self.embedded = None  # (trainer, step) and its embeddings' views: a new text reuses them

    def load_dataset(self, name, data):
        """Parse a dataset (UTF-8 bytes, or None for the built-in names); a bad one raises and the current one stays."""
        self.use(*self.parse(name, data))
        return {'dataset': self.dataset, 'vocabSize': self.vocab_size}

    def parse(self, name, data):
        docs = microgpt.documents(microgpt.builtin_names() if data is None else data)
        return docs, checkpoint.dataset_info(docs, name)

    def use(self, docs, dataset):
        self.docs, self.known, self.dataset = docs, set(docs), dataset
        self.vocab_size = microgpt.Tokenizer.from_documents(docs).vocab_size

    def num_params(self, config):
        return num_params(microgpt.Config.from_dict(config, partial=True), self.vocab_size)

    def start(self, config):
        self.trainer = microgpt.Trainer(microgpt.Config.from_dict(config, partial=True), self.docs)
        self.losses, self.seconds, self.final, self.run_dataset = [], 0.0, None, self.dataset
        self.reading = self.embedded = None
        return {'steps': self.trainer.config.steps, 'numParams': len(self.trainer.model.params)}

    def open(self, data, switch=False, name=None, dataset=None):
        """Restore a checkpoint file's run; a bad file raises and the run that was here stays.

        It trains on the current dataset, or if `switch`, on the dataset `name` (`dataset` its bytes, None for the
        built-in names), which then becomes the current one, but only once the checkpoint is known to have been
        trained on it. A checkpoint of another dataset is no error but a question for the page: which file it was
        trained on.
        """
        saved = checkpoint.loads(bytes(data))  # a memoryview of the file the page read
        docs, info = self.parse(name, dataset) if switch else (self.docs, self.dataset)
        try:
            trainer, losses = checkpoint.restore(saved, docs)
        except checkpoint.DatasetMismatch as e:
            return {'mismatch': {'message': str(e), 'expected': e.expected}}
        if switch:
            self.use(docs, info)
        self.trainer, self.losses, self.seconds, self.final, self.run_dataset = trainer, losses, 0.0, None, info
        self.reading = self.embedded = None
        return {'config': trainer.config.to_dict(), 'step': trainer.steps_done, 'losses': losses,
                'numParams': len(trainer.model.params), 'microgpt': saved['microgpt'], 'python': saved['python'],
                'dataset': info, 'vocabSize': self.vocab_size}

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
            self.final = self.checkpoint()  # so a reopened finished run draws the same names again
            result['final'] = self.names(trainer.final_samples())
        elif trainer.steps_done % preview_every == 0:
            result['preview'] = self.names(trainer.preview(preview_count))
        return result

    def steps_done(self):
        return self.trainer.steps_done if self.trainer else 0

    def checkpoint(self):
        """The current run's checkpoint file, at its last completed step (for a finished run, before its samples)."""
        if self.final is not None:
            return self.final
        trainer = self.trainer
        return {'step': trainer.steps_done, 'text': checkpoint.dumps(trainer, self.losses, self.run_dataset),
                'name': checkpoint.file_name(trainer.config, self.run_dataset, trainer.steps_done)}

    def generate(self, count, temperature):
        if self.trainer is None:
            raise ValueError("there are no weights yet: press Train first")
        return self.names(self.trainer.preview(count, temperature))

    def names(self, texts):
        return [{'text': t, 'known': t in self.known} for t in texts]

    def losses_csv(self):
        """The loss history as CSV, each loss as Python's repr: the shortest text that reads back to the same double;
        named as the run's checkpoint would be."""
        trainer = self.trainer
        name = checkpoint.file_name(trainer.config, self.run_dataset, trainer.steps_done)
        return {'name': name.removesuffix(checkpoint.SUFFIX) + '.losses.csv',
                'csv': 'step,loss\n' + ''.join(f'{i},{loss!r}\n' for i, loss in enumerate(self.losses, start=1))}

    # ---- inside the model: microgpt.inspect's views of the current weights; none changes the run (`draw` only moves
    # the preview generator, as a preview does) ----

    def weights(self):
        if self.trainer is None:
            raise ValueError("there are no weights yet: press Train, or open a checkpoint")
        return self.trainer

    def read(self, text):
        """The forward pass over the start token and `text`, at the current weights (kept until they change)."""
        trainer = self.weights()
        key = (trainer, trainer.steps_done, text)
        if self.reading is None or self.reading[0] != key:
            tokens = inspect.encode_prefix(trainer.tokenizer, text, trainer.config.block_size)
            self.reading = key, inspect.read(trainer.model, tokens)
        return self.reading[1]

    def inspect(self, text, temperature, views):
        """The views the page shows for `text`: `views` names those wanted ('next', 'attention', 'embeddings',
        'graph', the last with its piece); each is plain data, numbers as floats (the page prints Python's repr)."""
        trainer = self.weights()
        start = time.perf_counter()
        result = {'step': trainer.steps_done, 'text': text, 'temperature': temperature,
                  'tokens': inspect.labels(trainer.tokenizer)}
        if views.get('next') or views.get('attention'):
            reading = self.read(text)
            if views.get('next'):
                result['probs'] = inspect.next_token(reading.logits, temperature)
            if views.get('attention'):
                result['attention'] = reading.attention
        if views.get('embeddings'):  # of the weights only: a large vocabulary's take seconds, not redone per letter
            key = (trainer, trainer.steps_done)
            if self.embedded is None or self.embedded[0] != key:
                self.embedded = key, inspect.embeddings(trainer.model, trainer.tokenizer)
            result['embeddings'] = self.embedded[1]
        if views.get('graph'):
            result['graph'] = inspect.graph(trainer.model, trainer.tokenizer, text, views['graph'])
        result['seconds'] = time.perf_counter() - start
        return result

    def draw(self, text, temperature):
        """The next token drawn as sampling would, from the preview generator: the run's own stays untouched."""
        trainer = self.weights()
        probs = inspect.next_token(self.read(text).logits, temperature)
        return inspect.labels(trainer.tokenizer)[inspect.draw(trainer.preview_rng, probs)]

    def gradient_check(self, text):
        trainer = self.weights()
        return {'step': trainer.steps_done, 'text': text,
                **inspect.gradient_check(trainer.model, trainer.tokenizer, text)}
