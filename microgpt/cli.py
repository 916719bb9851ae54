"""The command line: `python -m microgpt [--input FILE] [--steps N] ... [--until N] [--save FILE] [--resume FILE]`.

Prints exactly what the reference prints when its constants are set to the flags' values and its `input.txt` holds
FILE: the same bytes, the `\\r`-ended step lines included (flushed each step so a terminal shows live progress).
A run can stop and continue: `--until N` stops after step N and saves a checkpoint file, `--save FILE` saves one
whenever the run stops (at --until, at the end before the final samples, at Ctrl-C), and `--resume FILE` prints what
the uninterrupted run prints from there on, byte for byte. Every checkpoint it writes is within `microgpt.limits`,
so the page opens it too. A checkpoint of code edited on the page continues only with that code (the package the page
downloads with it), and the checkpoints of that run record the code in turn.
Bad input is one line on stderr and exit status 2, never a traceback; a write that fails (a full disk, a closed
standard output) one line and status 1; an interrupt one line and 128 + the signal's number, as shells report it.
"""

import argparse
import errno
import os
import shlex
import signal
import stat
import sys

from . import checkpoint, limits, sources
from .checkpoint import CheckpointError
from .config import Config
from .data import MAX_DATASET_BYTES, DatasetError, Tokenizer, builtin_names, documents
from .trainer import Trainer

FLAGS = {  # flag -> (config field, type, help)
    '--seed': ('seed', int, "seed of the random generator: data order, initial weights, samples"),
    '--steps': ('steps', int, "number of training steps; with --resume, a larger total trains further, the learning "
                              "rate then decaying to 0 over the new total (no longer the reference's schedule)"),
    '--n-layer': ('n_layer', int, "number of transformer layers"),
    '--n-embd': ('n_embd', int, "embedding dimension (a multiple of --n-head)"),
    '--n-head': ('n_head', int, "number of attention heads"),
    '--block-size': ('block_size', int, "maximum context length in characters"),
    '--learning-rate': ('learning_rate', float, "Adam's learning rate, decayed linearly to 0"),
    '--temperature': ('temperature', float, "sampling temperature, > 0; low is conservative, high is creative"),
    '--samples': ('samples', int, "number of names generated after training"),
}


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not argparse's usage block
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def parser():
    p = _Parser(prog='microgpt', description="Train Karpathy's microgpt, a tiny GPT in pure Python, and print "
                                             "generated names. A run can stop, be saved to a file, and continue.")
    # every default is SUPPRESS, so that the flags given are the ones in the namespace: with --resume, the settings
    # come from the file, and a flag is checked against it
    p.add_argument('--input', metavar='FILE', default=argparse.SUPPRESS,
                   help="UTF-8 text file, one document per line (default: the built-in 32,033 names from makemore)")
    defaults = Config()
    for flag, (field, kind, text) in FLAGS.items():
        p.add_argument(flag, dest=field, type=kind, default=argparse.SUPPRESS, metavar='N' if kind is int else 'F',
                       help=f"{text} (default: {getattr(defaults, field)})")
    p.add_argument('--until', metavar='N', type=int, default=argparse.SUPPRESS,
                   help="stop after step N and save a checkpoint: to --save FILE, or to a file named after the run "
                        "(names-s42-1x16-step500of1000.microgpt.json) in the current directory")
    p.add_argument('--save', metavar='FILE', default=argparse.SUPPRESS,
                   help="save a checkpoint to FILE when the run stops: at --until, at the end (before the final "
                        "samples, so a resumed run draws the same), or at Ctrl-C (the last completed step)")
    p.add_argument('--resume', metavar='FILE', default=argparse.SUPPRESS,
                   help="continue the run saved in FILE, with its settings, on the dataset it was trained on "
                        "(the built-in names, or --input)")
    return p


class _Failure(Exception):
    """A write that failed: one line on stderr, exit status 1."""


class _OutputFailure(_Failure):
    """Standard output cannot be written (a full disk, a closed pipe's other errors)."""


class _Interrupted(KeyboardInterrupt):
    """A second signal while the first waits for the step to end: stop at once."""

    def __init__(self, signum):
        super().__init__()
        self.signum = signum


def main(argv=None):
    p = parser()
    args = vars(p.parse_args(argv))
    try:
        # first, before any file is opened: with descriptor 1 closed (`>&-`) a new file would become "stdout"
        out = _Output()
    except OSError as e:
        _say(f"error: cannot write to standard output: {e.strerror or e}")
        return 1
    try:
        return _run(p, args, out)
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly, as a pipeline expects
        _silence_stdout()
        return 1
    except _Failure as e:
        if isinstance(e, _OutputFailure):
            _silence_stdout()
        else:
            out.end_line()
        _say(f"error: {e}")
        return 1
    except KeyboardInterrupt as e:  # Ctrl-C outside training, or a second signal during it
        out.end_line()
        if isinstance(e, _Interrupted):
            _say("interrupted again: stopped at once, without saving")
            return 128 + e.signum
        _say("interrupted")
        return 128 + signal.SIGINT


def _run(p, args, out):
    input_path, resume_path = args.pop('input', None), args.pop('resume', None)
    save_path, until = args.pop('save', None), args.pop('until', None)
    try:
        docs = _dataset(input_path)
        dataset = checkpoint.dataset_info(docs, input_path and os.path.basename(input_path))
        if resume_path is None:
            config = Config(**args)
            vocab_size = Tokenizer.from_documents(docs).vocab_size
            done, code = 0, None
        else:
            saved = _checkpoint(resume_path)
            code = saved.get('sources')  # the edited modules it was trained with, carried on to its checkpoints
            _check_code(code)
            saved_config, done = saved['state']['config'], saved['state']['step']
            _check_flags(args, saved_config, done)
            config = Config(**{**saved_config, 'steps': args.get('steps', saved_config['steps'])})
            vocab_size = len(saved['state']['vocab']) + 1
        if until is not None and not done < until <= config.steps:
            raise ValueError(f"--until must be a step from {done + 1} to {config.steps}, got {until}"
                             + (f": the checkpoint is at step {done}" if done else ''))
        if save_path is not None or until is not None:
            try:
                limits.check(config, vocab_size)
            except ValueError as e:
                raise ValueError(f"cannot save this run: {e} (every checkpoint opens in the page too; without "
                                 "--save and --until there is no limit)") from None
        if save_path is not None:
            _check_writable(save_path)  # now, not after hours of training
        if resume_path is None:
            trainer, losses = Trainer(config, docs), []
        else:
            trainer, losses = checkpoint.restore(saved, docs)
            trainer.config = config  # the same but for --steps: the learning rate decays over the new total
    except checkpoint.DatasetMismatch as e:
        p.error(_mismatch(e.expected, input_path))
    except (DatasetError, CheckpointError, ValueError) as e:
        p.error(str(e))

    out.write(f"num docs: {len(docs)}\nvocab size: {trainer.tokenizer.vocab_size}\n"
              f"num params: {len(trainer.model.params)}\n")
    with _Signals() as signals:
        while not trainer.done and trainer.steps_done != until and signals.caught is None:
            try:
                loss = trainer.step()
            except FloatingPointError as e:  # diverged
                out.end_line()
                p.error(str(e))
            losses.append(loss)
            out.write(f"step {trainer.steps_done:4d} / {config.steps:4d} | loss {loss:.4f}\r")
        at_until = trainer.steps_done == until
        path = save_path or (checkpoint.file_name(config, dataset, until) if at_until else None)
        if path is not None:
            _save(path, trainer, losses, dataset, code)
    step = f"step {trainer.steps_done} of {config.steps}"
    if signals.caught is not None:
        out.end_line()
        _say(f"interrupted at {step}"
             + (f"; saved to {path}; continue with: {_resume(path, input_path)}" if path else ''))
        return 128 + signals.caught
    if at_until:
        out.end_line()
        _say(f"saved {step} to {path}; continue with: {_resume(path, input_path)}")
        return 0
    out.write("\n--- inference (new, hallucinated names) ---\n")
    try:
        samples = trainer.final_samples()
    except FloatingPointError as e:  # a temperature too low to sample at
        p.error(str(e))
    out.write(''.join(f"sample {i+1:2d}: {name}\n" for i, name in enumerate(samples)))
    if path is not None:
        _say(f"saved {step} to {path}")
    return 0


def _dataset(path):
    if path is None:
        return documents(builtin_names())
    try:
        return documents(_read(path, MAX_DATASET_BYTES))
    except DatasetError as e:
        raise DatasetError(f"{path}: {e}") from None


def _checkpoint(path):
    try:
        return checkpoint.loads(_read(path, checkpoint.MAX_BYTES))
    except CheckpointError as e:
        raise CheckpointError(f"{path}: {e}") from None


def _check_code(recorded):
    """A run trained with edited code continues with that code only: the modules of this package must hold it."""
    if recorded:
        installed = sources.originals()  # this package's own files, as this process runs them
        edited = [name for name in sources.MODULES if name in recorded and recorded[name] != installed[name]]
        if edited:
            raise CheckpointError(f"this checkpoint was trained with edited code ({', '.join(edited)}): continue it "
                                  "with the modified package the page downloads with it, not this one")


def _check_flags(args, saved_config, done):
    """A flag given with --resume may repeat the checkpoint's setting, not change it; but for --steps, which may
    train further (or stop sooner), not below the steps already done."""
    flags = {field: flag for flag, (field, _, _) in FLAGS.items()}
    for field, value in args.items():
        if field == 'steps':
            if value < done:
                raise ValueError(f"--steps {value} is fewer than the checkpoint's {done} steps done: "
                                 f"give at least {done}")
        elif value != saved_config[field]:
            raise ValueError(f"{flags[field]} {value} conflicts with the checkpoint's {field} {saved_config[field]}: "
                             "leave it out to continue the saved run")


def _read(path, limit):
    """The bytes of a regular file of at most `limit` bytes. Anything else is refused before it is opened: a FIFO
    with no writer would wait forever, /dev/zero never ends."""
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"cannot read {path}: it is {_kind(info.st_mode)}, not a regular file")
        if info.st_size > limit:
            raise ValueError(f"cannot read {path}: it is {info.st_size:,} bytes; the limit is {limit // 2 ** 20} MB")
        # O_NONBLOCK: a FIFO put in its place since the stat cannot block the open (a regular file ignores it)
        with open(os.open(path, os.O_RDONLY | getattr(os, 'O_NONBLOCK', 0)), 'rb') as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                raise ValueError(f"cannot read {path}: it is not a regular file")
            data = f.read(limit + 1)
    except OSError as e:
        raise ValueError(f"cannot read {path}: {e.strerror or e}") from None
    if len(data) > limit:  # it grew since the stat
        raise ValueError(f"cannot read {path}: it is larger than the limit, {limit // 2 ** 20} MB")
    return data


def _kind(mode):
    return ('a named pipe (FIFO)' if stat.S_ISFIFO(mode) else 'a character device' if stat.S_ISCHR(mode) else
            'a block device' if stat.S_ISBLK(mode) else 'a socket' if stat.S_ISSOCK(mode) else 'a special file')


def _save(path, trainer, losses, dataset, code):
    try:
        checkpoint.write(path, checkpoint.dumps(trainer, losses, dataset, sources=code))
    except OSError as e:
        raise _Failure(f"cannot save {path}: {e.strerror or e}") from None
    except ValueError as e:  # a run and its edited code too large for one file
        raise _Failure(f"cannot save {path}: {e}") from None


def _mismatch(expected, input_path):
    """What to give instead of the dataset given, in the CLI's own terms."""
    given = f"{input_path} is not" if input_path else "the built-in names are not"
    if expected['builtin']:
        return f"{given} the dataset this checkpoint was trained on: the built-in names (leave out --input)"
    return (f"{given} the dataset this checkpoint was trained on: {expected['name']} ({expected['documents']:,} "
            f"documents, sha256 {expected['sha256'][:8]}…); give that file with --input")


def _check_writable(path):
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise ValueError(f"cannot save to {path}: it is a directory")
    if os.path.exists(path) and not os.path.isfile(path):  # a device or a pipe is never replaced by a file
        raise ValueError(f"cannot save to {path}: it is not a regular file")
    if not os.path.isdir(directory):
        raise ValueError(f"cannot save to {path}: there is no directory {directory}")
    if not os.access(directory, os.W_OK):
        raise ValueError(f"cannot save to {path}: the directory {directory} is not writable")


def _resume(path, input_path):
    """The command that continues the run saved in `path`."""
    command = f"python -m microgpt --resume {shlex.quote(path)}"
    return command + (f" --input {shlex.quote(input_path)}" if input_path is not None else '')


class _Output:
    """Standard output in UTF-8 on any locale, flushed at each write. A write that fails raises _OutputFailure, but
    for a reader gone away (BrokenPipeError), which main ends quietly."""

    def __init__(self):
        self.file = open(1, 'w', encoding='utf-8', newline='\n', closefd=False)
        self.line_open = False  # a step line, `\r`-ended, waits for its `\n`

    def write(self, text):
        try:
            self.file.write(text)
            self.file.flush()
        except BrokenPipeError:
            raise
        except OSError as e:
            raise _OutputFailure(f"cannot write to standard output: {e.strerror or e}") from None
        self.line_open = text.endswith('\r')

    def end_line(self):
        """End the step line, if one is open, before a message on stderr."""
        if self.line_open:
            self.write('\n')


class _Signals:
    """Ctrl-C (SIGINT) and SIGTERM while training: the first is noted and the run stops after the current step (a
    step cut short would leave Adam's update half done, nothing to save); a second stops at once, without saving."""

    def __enter__(self):
        self.caught, self.previous = None, {}
        for signum in (signal.SIGINT, signal.SIGTERM):
            if signal.getsignal(signum) is not signal.SIG_IGN:  # ignored, as `nohup` or a shell's `&` asks: left so
                self.previous[signum] = signal.signal(signum, self._handle)
        return self

    def _handle(self, signum, frame):
        if self.caught is not None:
            raise _Interrupted(signum)
        self.caught = signum

    def __exit__(self, *exc):
        for signum, handler in self.previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)


def _say(text):
    """One line on stderr, if there is a stderr."""
    if sys.stderr is not None:
        try:
            print(f"microgpt: {text}", file=sys.stderr, flush=True)
        except OSError:
            pass


def _silence_stdout():
    """Point descriptor 1 at /dev/null, so that the output's unwritten buffer, flushed at exit, cannot fail again."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
