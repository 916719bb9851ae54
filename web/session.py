"""The Python half of the web worker: one training session driven through microgpt's public API.

worker.js calls these methods through Pyodide and only ever gets plain values back (numbers, strings, lists and
dicts of them), so no Python object outlives a call on the JavaScript side. Training runs in chunks: `run(seconds)`
steps until the time is up, then returns, so the worker can read its messages (pause, stop, generate) in between.
Checkpoints are microgpt.checkpoint's files, the same bytes the command line reads and writes.

The page may edit the package's own modules (the Code panel): `use_code()` writes them over the installed ones and
imports the package afresh (microgpt.sources), so the modules below are looked up again after every change.
"""

import difflib
import time
import traceback
import warnings

import microgpt
from microgpt import checkpoint, heldout, inspect, libm, script, sources
from microgpt.model import num_params

# Exceptions that mean bad input (the message says what to change), even when the code is edited
INPUT_ERRORS = (ValueError, FloatingPointError)


class Session:
    def __init__(self):
        self.originals = sources.originals()  # read before any edit: the page diffs and restores against them
        self.edits = {}  # the edited modules in use (name -> text); empty: the package as installed
        self.run_edits = {}  # those the current run's trainer was built with: its checkpoints record them
        self.failed = None  # the last exception a call raised, for failure()
        self.docs, self.known, self.vocab_size, self.dataset = None, set(), 0, None
        self.trainer, self.losses = None, []
        self.run_dataset = None  # the dataset the trainer trains on: the current one may have changed since
        self.final = None  # a finished run's checkpoint, taken before its final samples drew from its generator
        self.seconds = 0.0  # training time of the current run, not counting pauses
        self.reading = None  # (trainer, step, text) and the forward pass over it: a new temperature reuses it
        self.embedded = None  # (trainer, step) and its embeddings' views: a new text reuses them
        self.measuring = None  # (trainer, held-out documents) of the held-out loss being computed, in parts
        self.chosen = None  # (dataset, runs) and the held-out documents heldout.choose() gave for them

    def call(self, method, *args):
        """Every call from the worker comes through here, so that the exception of a failed one can be described."""
        try:
            result = getattr(self, method)(*args)
        except BaseException as e:
            self.failed = e
            raise
        if method != 'failure':
            self.failed = None  # an error the worker itself raises after this call is not this one's
        return result

    # ---- the code: the package's modules, as installed or as the page edited them ----

    def code(self):
        """The modules the page shows, in reading order, as installed."""
        return {'modules': list(sources.MODULES), 'originals': self.originals}

    def use_code(self, edits):
        """Run the next trainers with these edited modules (name -> text; {} for the installed package). A syntax
        error or a module that fails to import raises sources.CodeError and leaves the code in use as it was."""
        global microgpt, checkpoint, heldout, inspect, num_params
        edits = {name: text for name, text in dict(edits).items() if text != self.originals.get(name)}
        if edits == self.edits:
            return
        microgpt = sources.apply(edits, self.originals)
        # the fresh modules of the package just imported, in place of those of the code before
        from microgpt import checkpoint, heldout, inspect  # noqa: F811
        from microgpt.model import num_params  # noqa: F811
        self.edits = edits
        self.reading = self.embedded = None

    def failure(self):
        """What the last failed call's exception says about the edited code, or None when the code is as installed
        or the exception is bad input: where it points (the innermost frame in the package, or the page's own call
        in session.py that the edited package no longer answers) and its traceback."""
        e = self.failed
        if isinstance(e, sources.CodeError):
            where = {'file': e.file, 'line': e.line} if e.file else None
            return {'message': e.message, 'where': where, 'call': None, 'traceback': e.traceback}
        if not self.edits or e is None:
            return None
        where = sources.locate(e)  # following the chain: a trainer re-raises a step's error as FloatingPointError
        root = e
        while root.__cause__ is not None:
            root = root.__cause__
        # bad input (a dataset refused by an edited data.py included), or a run that diverged in the package's maths
        # as it could with the installed code; but a ZeroDivisionError in an edited sampling.py, which the trainer
        # reports as a too low temperature, is the edit's
        in_edit = where is not None and where['file'] in self.edits
        if isinstance(e, INPUT_ERRORS) and (isinstance(root, INPUT_ERRORS) or not in_edit):
            return None
        frames = traceback.extract_tb(e.__traceback__)
        call = None
        if frames and frames[-1].filename == __file__:  # raised by this file's call into the package
            call = frames[-1].line
        message = ''.join(traceback.format_exception_only(root)).strip().splitlines()[-1]
        return {'message': message, 'where': where, 'call': call, 'traceback': sources.format_traceback(e)}

    def code_diff(self, edits):
        """A unified diff of each edited module against the installed one (for a checkpoint's recorded code)."""
        return {name: ''.join(difflib.unified_diff(self.originals.get(name, '').splitlines(True),
                                                   text.splitlines(True), f'microgpt/{name} (installed)',
                                                   f'microgpt/{name} (edited)'))
                for name, text in dict(edits).items()}

    def package(self, edits):
        """The package with these edits, as a zip that runs with `python -m microgpt`; the code in use stays."""
        return {'name': 'microgpt-modified.zip', 'bytes': sources.package_zip(dict(edits), self.originals)}

    # ---- a script of the user's, run as it is (microgpt.script) ----

    def check_script(self, data, name):
        """What can be told of a script before it runs: the published reference or not, and a syntax error."""
        source, syntax = bytes(data), None
        try:
            with warnings.catch_warnings():  # its warnings are printed when it runs, where they belong
                warnings.simplefilter('ignore')
                script.compile_exact(source, name)
        except SyntaxError as e:
            syntax = {'line': e.lineno, 'message': f'{type(e).__name__}: {e.msg}'}
        return {'name': name, 'reference': script.is_reference(source), 'syntax': syntax,
                'ported': [function for function, native in libm.NATIVE.items() if not native]}

    def run_script(self, data, name, exact, dataset, emit):
        """Run a script with `dataset` (the page's dataset's bytes, None for the built-in names) as its input.txt;
        `emit(kind, ...)` gets what it writes as it writes it ('stdout' or 'stderr', text) and what its output says
        ('loss', step, steps, loss; 'sample', name, known: a name of the dataset).

        The page runs scripts in a Python of their own, ended after each one: a script may change anything in it."""
        dataset = microgpt.builtin_names() if dataset is None else bytes(dataset)
        known = set(microgpt.documents(dataset))
        parser = script.OutputParser()

        def said(events):
            for event in events:
                if event['kind'] == 'loss':
                    emit('loss', event['step'], event['steps'], event['loss'])
                else:
                    emit('sample', event['text'], event['text'] in known)

        def write(stream, text):
            emit(stream, text)
            if stream == 'stdout':
                said(parser.feed(text))

        status = script.run(bytes(data), name, write, dataset=dataset, exact=exact)
        said(parser.finish())  # a last line the script did not end
        return {'status': status}

    # ---- the dataset and the run ----

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
        self.run_edits = self.edits
        return {'steps': self.trainer.config.steps, 'numParams': len(self.trainer.model.params)}

    def open(self, data, switch=False, name=None, dataset=None, code=None, ask_code=True):
        """Restore a checkpoint file's run; a bad file raises and the run that was here stays.

        It trains on the current dataset, or if `switch`, on the dataset `name` (`dataset` its bytes, None for the
        built-in names), which then becomes the current one, but only once the checkpoint is known to have been
        trained on it. A checkpoint of another dataset is no error but a question for the page: which file it was
        trained on. It continues with the code it records (none: the package as installed), whatever the page's
        edits; one recording edited code other than the page's (`code`) is a question too, if `ask_code`.
        """
        saved = checkpoint.loads(bytes(data))  # a memoryview of the file the page read
        recorded = saved.get('sources') or {}
        edits = {name: text for name, text in dict(code or {}).items() if text != self.originals.get(name)}
        if ask_code and recorded and recorded != edits:
            # made with edited code other than the page's: the page shows it and asks before using it
            return {'code': {'files': recorded, 'diff': self.code_diff(recorded)}}
        previous, opened = self.edits, None
        self.use_code(recorded)
        try:
            opened = self.restore(saved, switch, name, dataset)
        finally:
            if opened is None or 'mismatch' in opened:  # not opened: the run here goes on with its code
                self.use_code(previous)
        return opened

    def restore(self, saved, switch, name, dataset):
        docs, info = self.parse(name, dataset) if switch else (self.docs, self.dataset)
        try:
            trainer, losses = checkpoint.restore(saved, docs)
        except checkpoint.DatasetMismatch as e:
            return {'mismatch': {'message': str(e), 'expected': e.expected}}
        if switch:
            self.use(docs, info)
        self.trainer, self.losses, self.seconds, self.final, self.run_dataset = trainer, losses, 0.0, None, info
        self.reading = self.embedded = None
        self.run_edits = self.edits
        return {'config': trainer.config.to_dict(), 'step': trainer.steps_done, 'losses': losses,
                'numParams': len(trainer.model.params), 'microgpt': saved['microgpt'], 'python': saved['python'],
                'dataset': info, 'vocabSize': self.vocab_size, 'edited': list(self.edits)}

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
        text = checkpoint.dumps(trainer, self.losses, self.run_dataset, sources=self.run_edits or None)
        return {'step': trainer.steps_done, 'text': text,
                'name': checkpoint.file_name(trainer.config, self.run_dataset, trainer.steps_done)}

    def generate(self, count, temperature, seconds):
        """Up to `count` names from the preview generator, as many as `seconds` allow (at least one): drawn one after
        another from one generator, names asked for in parts are those one call would give."""
        if self.trainer is None:
            raise ValueError("there are no weights yet: press Train first")
        texts, start = [], time.perf_counter()
        while len(texts) < count and (not texts or time.perf_counter() - start < seconds):
            texts += self.trainer.preview(1, temperature)
        return self.names(texts)

    def names(self, texts):
        return [{'text': t, 'known': t in self.known} for t in texts]

    def losses_csv(self):
        """The loss history as CSV, each loss as Python's repr: the shortest text that reads back to the same double;
        named as the run's checkpoint would be."""
        trainer = self.trainer
        name = checkpoint.file_name(trainer.config, self.run_dataset, trainer.steps_done)
        return {'name': name.removesuffix(checkpoint.SUFFIX) + '.losses.csv',
                'csv': 'step,loss\n' + ''.join(f'{i},{loss!r}\n' for i, loss in enumerate(self.losses, start=1))}

    # ---- the held-out loss of a comparison (microgpt.heldout), computed in parts: start, losses..., mean ----

    def heldout_start(self, runs, data):
        """Choose the held-out documents for comparing `runs` ([seed, steps] each) on the current dataset, and the model
        to measure on them: the checkpoint file `data`'s (restored beside the run here, which stays as it is), or
        None for the run here. Returns how many documents there are, 0 when none (`reason` says why), the seed whose
        list they end, and how many steps a run with that seed takes before it reaches them; when there are none
        because the runs are too long, `longest` is how many steps runs of these seeds may take to leave some."""
        runs = tuple(tuple(int(n) for n in run) for run in runs)
        if self.chosen is None or self.chosen[0] != (self.dataset['sha256'], runs):
            self.chosen = (self.dataset['sha256'], runs), heldout.choose(self.docs, runs)
        chosen = self.chosen[1]
        result = {'documents': 0, 'reason': chosen.reason, 'seed': chosen.seed, 'longest': None}
        self.measuring = None
        if not chosen.docs:
            # the runs' seeds, each run no longer than this, leave out the end of the smallest seed's list
            seeds = sorted({seed for seed, _ in runs})
            probe = heldout.choose(self.docs, [(seed, 0) for seed in seeds])
            if probe.docs:
                result['longest'] = min(heldout.longest_run(self.docs, probe.docs, seed) for seed in seeds)
            return result
        if data is None:
            trainer = self.weights()
        else:
            saved = checkpoint.loads(bytes(data))
            if (saved.get('sources') or {}) != self.edits:
                return {**result, 'reason': "this run was trained with other code than the comparison's: "
                                            "its loss is measured with its own code only"}
            try:
                trainer, _ = checkpoint.restore(saved, self.docs)
            except checkpoint.DatasetMismatch:
                return {**result, 'reason': "this run was trained on another dataset than the comparison's"}
        self.measuring = trainer, chosen.docs
        return {**result, 'documents': len(chosen.docs),
                'longest': heldout.longest_run(self.docs, chosen.docs, chosen.seed)}

    def heldout_losses(self, start, seconds):
        """The losses of the held-out documents from `start` on, as many as `seconds` allow (at least one)."""
        trainer, docs = self.measuring
        losses, begin = [], time.perf_counter()
        while start + len(losses) < len(docs) and (not losses or time.perf_counter() - begin < seconds):
            i = start + len(losses)
            losses += heldout.document_losses(trainer.model, trainer.tokenizer, docs[i:i + 1])
        return losses

    def heldout_mean(self, losses):
        """The held-out loss: heldout.mean() of every document's loss, the bits heldout.loss() gives at once."""
        self.measuring = None
        return heldout.mean([float(loss) for loss in losses])

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
