"""The checkpoint file (`*.microgpt.json`): a run saved between two steps, to continue in a terminal or a browser tab.

One JSON object: what it is (`format`, `version`), who wrote it (`microgpt`, `python`), the dataset it was trained on
(its name and a digest, never its documents), every step's loss so far, and the trainer's state (`microgpt.state`).
The command line and the page write and read the same bytes, so a run started in one continues in the other, bit for
bit. A file is untrusted input: `loads()` checks everything that can be checked before a model is built (the size of
the file first, then its JSON, then every field, the model's size within `microgpt.limits`), and says what is wrong
in one sentence; `restore()` then builds the trainer on the documents given, if they are the ones it was trained on.

A run trained with code edited on the page also records that code: `sources`, after `python`, holds each edited
module's whole text ({"model.py": "..."}); a file of the package as installed has no such field, so its bytes are
those of a microgpt without the code editor. The command line continues such a file only with that code (the package
the page downloads with it), and its checkpoints carry the field on, so a run goes back to the page with its code.
"""

import hashlib
import itertools
import json
import math
import os
import platform
import re
import sys

from . import __version__, limits, sources as _sources, state
from .config import brief

FORMAT = 'microgpt-checkpoint'
VERSION = 1
FIELDS = ('format', 'version', 'microgpt', 'python', 'dataset', 'losses', 'state')
OPTIONAL = ('sources',)  # in a file only when the run's code was edited
SUFFIX = '.microgpt.json'

# The largest file the limits allow, with room to spare: MAX_PARAMS (2^20) parameters, each written with its two Adam
# moments, and MAX_STEPS losses. A float is at most 24 characters ('-2.2250738585072014e-308') plus a comma; with
# n_embd = 1 every parameter is a row of its own (2 more bytes); the vocabulary is then at most 524,281 characters of
# at most 15 bytes ('"\ud83d\ude00",'). 2^20 x (27 + 25 + 25) + 10^6 x 25 + 524,281 x 15 = 113.6 MB < 128 MiB.
MAX_BYTES = 128 * 1024 * 1024
_MAX_DIGITS = 40  # no field holds a longer integer (an rng word has 10 digits); int() of 5,000 digits is refused


class CheckpointError(ValueError):
    """A file that is not a checkpoint this microgpt can continue; the message says what is wrong and what to do."""


class DatasetMismatch(CheckpointError):
    """The documents given are not the checkpoint's dataset; `expected` is its `dataset` dict (name, size, digest)."""

    def __init__(self, expected):
        self.expected = expected
        if expected['builtin']:
            message = f"this checkpoint was trained on the built-in names ({expected['name']}): continue it on those"
        else:
            message = (f"this checkpoint was trained on {expected['name']} ({expected['documents']:,} documents, "
                       f"sha256 {expected['sha256'][:8]}…): give that file")
        super().__init__(message)


def dataset_info(docs, name=None):
    """What a checkpoint records of its dataset; `docs` in the file's order, as `documents()` returns them (the
    state's own digest checks the shuffled order); `name` is the file's, None for the built-in names."""
    return {'name': name or 'names.txt', 'builtin': name is None, 'documents': len(docs),
            'sha256': hashlib.sha256('\n'.join(docs).encode('utf-8')).hexdigest()}


def dumps(trainer, losses, dataset, sources=None):
    """The checkpoint file's text: the trainer's state after `losses`, one loss per step done; `sources`, the edited
    modules the trainer's code came from (name -> text, as `microgpt.sources.apply` took them), if any."""
    if len(losses) != trainer.steps_done:
        raise ValueError(f"losses must hold one loss per step done ({trainer.steps_done}), got {len(losses)}")
    limits.check(trainer.config, trainer.tokenizer.vocab_size)  # so that every file written can be opened
    fields = {
        'format': FORMAT,
        'version': VERSION,
        'microgpt': __version__,
        'python': f"{platform.python_implementation()} {sys.version.split()[0]} ({sys.platform})",
    }
    if sources:
        _check_sources(sources)
        fields['sources'] = {name: sources[name] for name in _sources.MODULES if name in sources}  # one order
    text = json.dumps({
        **fields,
        'dataset': dataset,
        'losses': list(losses),
        'state': state.save(trainer),
    }, separators=(',', ':'))
    # MAX_BYTES has room for the largest model, not for it and 15 modules of a million characters each
    if sources and len(text) > MAX_BYTES:
        raise ValueError(f"the checkpoint would be {len(text):,} bytes, more than any checkpoint may be "
                         f"({MAX_BYTES:,}): the edited code is too large to save with this run")
    return text


def loads(data):
    """The checkpoint in `data` (bytes or str), checked; CheckpointError says what is wrong with it."""
    size = len(data.encode('utf-8')) if isinstance(data, str) else len(data)
    if size > MAX_BYTES:
        raise CheckpointError(f"the file is {size:,} bytes, more than any checkpoint ({MAX_BYTES:,}): "
                              "it is not a microgpt checkpoint")
    if not isinstance(data, str):
        try:
            data = bytes(data).decode('utf-8')
        except UnicodeDecodeError as e:
            raise CheckpointError(f"the file is not UTF-8 text (invalid byte at offset {e.start}): "
                                  "it is not a microgpt checkpoint") from None
    unreadable = []  # the numbers no checkpoint holds (NaN, 1e400, 5,000 digits), each replaced by an _Unreadable

    def refuse(text):
        unreadable.append(text)
        return _Unreadable(text)

    def parse_float(text):
        x = float(text)
        return x if math.isfinite(x) else refuse(text)

    _check_nesting(data)
    try:
        checkpoint = json.loads(data, parse_constant=refuse, parse_float=parse_float,
                                parse_int=lambda text: int(text) if len(text) <= _MAX_DIGITS else refuse(text))
    except json.JSONDecodeError as e:  # its message names what was expected, never the content
        raise CheckpointError(f"the file is not JSON ({e.msg} at line {e.lineno} column {e.colno}): "
                              "it is not a checkpoint, or was cut short or edited") from None
    except RecursionError:
        raise CheckpointError("the file nests lists or objects too deeply to be a checkpoint") from None
    if not isinstance(checkpoint, dict):
        raise CheckpointError(f"the file holds a JSON {_kind(checkpoint)}, not an object: "
                              "it is not a microgpt checkpoint")
    if unreadable:
        _refuse_unreadable(checkpoint)
    try:
        _check(checkpoint)
    except CheckpointError:
        raise
    except ValueError as e:  # the state's own checks: the config, the limits, the parameters
        raise CheckpointError(f"the checkpoint's state is invalid: {e}") from None
    return checkpoint


def restore(checkpoint, docs):
    """(trainer, losses) continuing the run of a checkpoint from `loads()`, on `docs` in the file's order."""
    if not isinstance(docs, list) or not all(isinstance(doc, str) for doc in docs):
        raise ValueError("docs must be a list of strings: see microgpt.documents()")
    expected, given = checkpoint['dataset'], dataset_info(docs)
    if (given['documents'], given['sha256']) != (expected['documents'], expected['sha256']):
        raise DatasetMismatch(expected)
    return state.load(checkpoint['state'], docs), list(checkpoint['losses'])


def file_name(config, dataset, step):
    """A name saying what the file holds, e.g. `names-s42-1x16-step500of1000.microgpt.json`."""
    # only letters, digits, _ and -, and no leading -: a name that reads as a flag or holds a path is no name
    stem = re.sub(r'[^A-Za-z0-9_-]+', '-', os.path.splitext(dataset['name'])[0]).strip('-')[:40].strip('-') or 'run'
    return f"{stem}-s{config.seed}-{config.n_layer}x{config.n_embd}-step{step}of{config.steps}{SUFFIX}"


def write(path, text):
    """Write `text` to `path` atomically: the old file or the new one, never a part of it, even if the power fails."""
    directory, base = os.path.split(os.path.abspath(path))
    temp = os.path.join(directory, f".{base}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies, as for any new file
    try:
        with open(fd, 'w', encoding='utf-8') as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:  # a full disk, or an interrupt: no half-written temp file left behind
        os.unlink(temp)
        raise
    if hasattr(os, 'O_DIRECTORY'):  # the rename itself on disk too (POSIX; Windows has no directory handles)
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _check(checkpoint):
    fmt = checkpoint.get('format')
    if fmt == state.FORMAT:
        raise CheckpointError("the file is a bare trainer state (microgpt.save()), not a checkpoint: write one with "
                              "microgpt.checkpoint.dumps(), or python -m microgpt --save FILE")
    if fmt != FORMAT:
        raise CheckpointError(f"not a microgpt checkpoint: its format is {brief(fmt)}, not {FORMAT!r}")
    version = checkpoint.get('version')
    if version != VERSION:
        newer = isinstance(version, int) and not isinstance(version, bool) and version > VERSION
        raise CheckpointError(f"this checkpoint is format version {brief(version)}; this microgpt ({__version__}) "
                              f"reads version {VERSION}: "
                              + ("open it with a newer microgpt" if newer else "it was not written by microgpt"))
    missing = [name for name in FIELDS if name not in checkpoint]
    if missing:
        raise CheckpointError(f"the checkpoint lacks {', '.join(missing)}: it was edited, or is not a checkpoint")
    extra = sorted(brief(name) for name in set(checkpoint) - set(FIELDS) - set(OPTIONAL))
    if extra:
        raise CheckpointError(f"the checkpoint has unknown field(s) {', '.join(extra[:5])}: it was edited, "
                              "or written by a newer microgpt")
    for name in ('microgpt', 'python'):
        if not _short_text(checkpoint[name]):
            raise CheckpointError(f"{name} must be a short line of text, got {brief(checkpoint[name])}")
    _check_dataset(checkpoint['dataset'])
    if 'sources' in checkpoint:
        _check_sources(checkpoint['sources'])
    state.check(checkpoint['state'])
    losses, step = checkpoint['losses'], checkpoint['state']['step']
    if not isinstance(losses, list) or len(losses) != step:
        raise CheckpointError(f"losses must be a list of the {step:,} losses of the steps done, "
                              f"got {brief(losses) if not isinstance(losses, list) else f'{len(losses):,} of them'}")
    for i, loss in enumerate(losses):
        if not isinstance(loss, float) or not math.isfinite(loss):
            raise CheckpointError(f"losses[{i}] must be a finite number, got {brief(loss)}")


def _check_dataset(dataset):
    if not isinstance(dataset, dict) or set(dataset) != {'name', 'builtin', 'documents', 'sha256'}:
        raise CheckpointError(f"dataset must be an object of name, builtin, documents and sha256, got {brief(dataset)}")
    if not _short_text(dataset['name']):
        raise CheckpointError(f"dataset.name must be a file name of 1 to 255 characters, got {brief(dataset['name'])}")
    if not isinstance(dataset['builtin'], bool):
        raise CheckpointError(f"dataset.builtin must be true or false, got {brief(dataset['builtin'])}")
    documents = dataset['documents']
    if isinstance(documents, bool) or not isinstance(documents, int) or documents < 1:
        raise CheckpointError(f"dataset.documents must be a positive integer, got {brief(documents)}")
    if not isinstance(dataset['sha256'], str) or not re.fullmatch('[0-9a-f]{64}', dataset['sha256']):
        raise CheckpointError(f"dataset.sha256 must be 64 lowercase hex digits, got {brief(dataset['sha256'])}")


def _check_sources(sources):
    modules = _sources.MODULES
    if not isinstance(sources, dict):
        raise CheckpointError(f"sources must be an object of edited modules and their text, got {brief(sources)}")
    if len(sources) > len(modules):
        raise CheckpointError(f"sources must hold at most microgpt's {len(modules)} modules, got {len(sources):,}")
    for name, text in sources.items():
        if name not in modules:
            raise CheckpointError(f"sources holds {brief(name)}, which is not a module of microgpt")
        if not isinstance(text, str):
            raise CheckpointError(f"sources.{name} must be the module's text, got {brief(text)}")
        if len(text) > _sources.MAX_CHARS:
            raise CheckpointError(f"sources.{name} is {len(text):,} characters, more than a module may have "
                                  f"({_sources.MAX_CHARS:,})")


# A checkpoint nests five deep at most ({"state": {"params": {"wte": [[...]]}}}). json.loads recurses once per level,
# and in Pyodide a few thousand levels overflow WebAssembly's stack before Python's recursion limit is reached (a
# fatal error: the runtime is gone), so the depth is measured before parsing. In linear time, at C speed, whatever
# the file: the escapes go first (an escaped backslash, then an escaped quote), so that a string is a quote, no
# quote, a quote, then the strings, then all but the brackets; what is left is summed level by level.
_MAX_DEPTH = 8
_STRING = re.compile(r'"[^"]*"')
_NOT_BRACKETS = re.compile(r'[^\[\]{}]+')
_LEVEL = {'[': 1, '{': 1, ']': -1, '}': -1}.__getitem__


def _check_nesting(text):
    brackets = _NOT_BRACKETS.sub('', _STRING.sub('', text.replace('\\\\', '').replace('\\"', '')))
    if brackets and max(itertools.accumulate(map(_LEVEL, brackets))) > _MAX_DEPTH:
        raise CheckpointError(f"the file nests lists or objects too deeply to be a checkpoint (more than {_MAX_DEPTH} "
                              "levels)")


def _short_text(value):
    return isinstance(value, str) and 0 < len(value) <= 255 and value.isprintable()


def _kind(value):
    return {list: 'array', str: 'string', bool: 'boolean', type(None): 'null'}.get(type(value), 'number')


class _Unreadable:
    """In place of a number no checkpoint holds, so that `_refuse_unreadable` can name the field it is in."""

    def __init__(self, text):
        digits = len(text.lstrip('-'))
        self.what = (f"{text}, not a finite number" if text in ('NaN', 'Infinity', '-Infinity') else
                     f"an integer of {digits:,} digits" if text.lstrip('-').isdigit() else
                     f"{text[:40]}, beyond any float")


def _refuse_unreadable(checkpoint):
    """Name the first unreadable number's field, as in `state.params.wte[0][1]`."""
    stack = [('', checkpoint)]  # an explicit stack: JSON nests as deep as json.loads could recurse
    while stack:
        path, value = stack.pop()
        if isinstance(value, _Unreadable):
            raise CheckpointError(f"{path} is {value.what}: no field of a checkpoint holds one")
        if isinstance(value, dict):
            stack.extend((f"{path}.{_key(key)}" if path else _key(key), item) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item) for i, item in reversed(list(enumerate(value))))


def _key(key):
    return key if re.fullmatch(r'[A-Za-z0-9_.]{1,40}', key) else brief(key, 20)
