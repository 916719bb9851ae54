"""The command line: `python -m microgpt [--input FILE] [--steps N] ...`.

Prints exactly what the reference prints when its constants are set to the flags' values and its `input.txt` holds
FILE: the same bytes, the `\\r`-ended step lines included (flushed each step so a terminal shows live progress).
Bad input is one line on stderr and exit status 2, never a traceback.
"""

import argparse
import os
import sys

from .config import Config
from .data import DatasetError, builtin_names, documents
from .trainer import Trainer

FLAGS = {  # flag -> (config field, type, help)
    '--seed': ('seed', int, "seed of the random generator: data order, initial weights, samples"),
    '--steps': ('steps', int, "number of training steps"),
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
    p = _Parser(prog='microgpt', formatter_class=argparse.ArgumentDefaultsHelpFormatter,
                description="Train Karpathy's microgpt, a tiny GPT in pure Python, and print generated names.")
    p.add_argument('--input', metavar='FILE', default=argparse.SUPPRESS,  # no "(default: None)" in --help
                   help="UTF-8 text file, one document per line (default: the built-in 32,033 names from makemore)")
    defaults = Config()
    for flag, (field, kind, text) in FLAGS.items():
        p.add_argument(flag, dest=field, type=kind, default=getattr(defaults, field), metavar='N' if kind is int else 'F',
                       help=text)
    return p


def main(argv=None):
    p = parser()
    args = vars(p.parse_args(argv))
    path = args.pop('input', None)
    try:
        config = Config(**args)
        if path is None:
            data = builtin_names()
        else:
            with open(path, 'rb') as f:
                data = f.read()
        docs = documents(data)
    except OSError as e:
        p.error(f"cannot read {path}: {e.strerror or e}")
    except (DatasetError, ValueError) as e:
        p.error(f"{path}: {e}" if isinstance(e, DatasetError) and path else str(e))

    out = open(sys.stdout.fileno(), 'w', encoding='utf-8', newline='\n', closefd=False)  # UTF-8 on any locale
    trainer = Trainer(config, docs)
    try:
        print(f"num docs: {len(docs)}", file=out)
        print(f"vocab size: {trainer.tokenizer.vocab_size}", file=out)
        print(f"num params: {len(trainer.model.params)}", file=out)
        while not trainer.done:
            loss = trainer.step()
            print(f"step {trainer.steps_done:4d} / {config.steps:4d} | loss {loss:.4f}", end='\r', file=out, flush=True)
        print("\n--- inference (new, hallucinated names) ---", file=out)
        for i, name in enumerate(trainer.final_samples()):
            print(f"sample {i+1:2d}: {name}", file=out)
        out.flush()
    except FloatingPointError as e:  # diverged, or a temperature too low to sample at
        if not trainer.done:
            print(file=out, flush=True)  # end the step line
        p.error(str(e))
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly, as a pipeline expects
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the final flush cannot fail again
        return 1
    return 0
