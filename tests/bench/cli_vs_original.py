"""Time `python -m microgpt` against the original microgpt.py, side by side, and check they print the same bytes.

    python tests/bench/cli_vs_original.py PATH/TO/microgpt.py [--steps N] [--repeat R] [--python PYTHON]

The original is not shipped with the project: pass its path. It runs in a scratch directory whose input.txt holds the
built-in names (so it downloads nothing), with `num_steps` set to N. The two programs alternate, R times each, so a
noisy machine slows both alike; the figures are the medians and their ratio.
"""

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def original_with_steps(source, steps):
    text, count = re.subn(r'^num_steps = \d+', f'num_steps = {steps}', source, flags=re.M)
    if count != 1:
        sys.exit("cannot find `num_steps = ...` in the original script")
    return text


def timed(cmd, cwd):
    start = time.perf_counter()
    out = subprocess.run(cmd, cwd=cwd, capture_output=True, check=True)
    return time.perf_counter() - start, out.stdout


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('original', type=Path, help="path of the original single-file microgpt.py")
    p.add_argument('--steps', type=int, default=1000)
    p.add_argument('--repeat', type=int, default=1)
    p.add_argument('--python', default=sys.executable, help="the interpreter both run on (default: this one)")
    args = p.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        shutil.copy(ROOT / 'microgpt' / 'names.txt', scratch / 'input.txt')
        (scratch / 'original.py').write_text(original_with_steps(args.original.read_text(), args.steps))
        runs = {'original': ([args.python, 'original.py'], scratch),
                'microgpt': ([args.python, '-m', 'microgpt', '--steps', str(args.steps)], ROOT)}
        times, outputs = {name: [] for name in runs}, {}
        for _ in range(args.repeat):
            for name, (cmd, cwd) in runs.items():
                seconds, outputs[name] = timed(cmd, cwd)
                times[name].append(seconds)
                print(f"{name:>9}: {seconds:7.2f} s", flush=True)

    version = subprocess.run([args.python, '--version'], capture_output=True, text=True).stdout.strip()
    same = outputs['original'] == outputs['microgpt']
    original, ours = (statistics.median(times[name]) for name in runs)
    print(f"\n{version}, {args.steps} steps, median of {args.repeat}:")
    print("| program | seconds | steps/s |\n|---|---|---|")
    print(f"| original microgpt.py | {original:.2f} | {args.steps / original:.2f} |")
    print(f"| python -m microgpt | {ours:.2f} | {args.steps / ours:.2f} |")
    print(f"\nspeed-up: {original / ours:.2f}x; output {'byte-identical' if same else 'DIFFERENT'}")
    sys.exit(0 if same else 1)


if __name__ == '__main__':
    main()
