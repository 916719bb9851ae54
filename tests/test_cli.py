"""The command line: flags, help, a user's file, and bad input as one clear line with exit status 2."""

import glob
import os
import subprocess
import sys

import pytest

from conftest import ROOT, cli_args, golden
from microgpt import Config, Trainer, documents


def run(*args, python=sys.executable):
    return subprocess.run([python, '-m', 'microgpt', *map(str, args)], cwd=ROOT, capture_output=True, timeout=300)


def test_help_describes_every_flag_with_its_default():
    out = run('--help')
    assert out.returncode == 0
    text = ' '.join(out.stdout.decode().split())  # argparse wraps lines
    defaults = Config()
    for flag, field in [('--seed', 'seed'), ('--steps', 'steps'), ('--n-layer', 'n_layer'), ('--n-embd', 'n_embd'),
                        ('--n-head', 'n_head'), ('--block-size', 'block_size'), ('--learning-rate', 'learning_rate'),
                        ('--temperature', 'temperature'), ('--samples', 'samples')]:
        assert flag in text
        assert f"(default: {getattr(defaults, field)})" in text
    assert '--input FILE' in text and 'built-in 32,033 names' in text and '(default: None)' not in text


def test_a_users_file(tmp_path):
    data = 'ANNA\r\n<b>bob</b>\n\n  zoë  \nchloé\n'
    path = tmp_path / 'mine.txt'
    path.write_bytes(data.encode())
    out = run('--input', path, '--steps', 5, '--samples', 3, '--temperature', 1.5)
    assert out.returncode == 0, out.stderr
    config = Config(steps=5, samples=3, temperature=1.5)
    trainer = Trainer(config, documents(data))
    losses = [trainer.step() for _ in range(5)]
    expected = (f"num docs: 4\nvocab size: {trainer.tokenizer.vocab_size}\nnum params: {len(trainer.model.params)}\n"
                + ''.join(f"step {i + 1:4d} /    5 | loss {loss:.4f}\r" for i, loss in enumerate(losses))
                + "\n--- inference (new, hallucinated names) ---\n"
                + ''.join(f"sample {i + 1:2d}: {name}\n" for i, name in enumerate(trainer.final_samples())))
    assert out.stdout.decode('utf-8') == expected


@pytest.mark.parametrize('args, message', [
    (['--input', 'no/such/file.txt'], 'cannot read no/such/file.txt: No such file or directory'),
    (['--input', 'tests'], 'cannot read tests: Is a directory'),
    (['--input', '{latin1}'], 'is not UTF-8 text (invalid byte 0xe9 at offset 2)'),
    (['--input', '{binary}'], 'is not a text file'),
    (['--input', '{empty}'], 'no non-blank lines'),
    (['--input', '{blank}'], 'no non-blank lines'),
    (['--n-embd', '10'], 'n_embd (10) must be divisible by n_head (4)'),
    (['--steps', '0'], 'steps must be at least 1'),
    (['--temperature', '0'], 'temperature must be greater than 0'),
    (['--learning-rate', 'nan'], 'learning_rate must be a finite number'),
    (['--steps', 'many'], "argument --steps: invalid int value: 'many'"),
    (['--learning-rate', '1e400'], 'learning_rate must be a finite number'),
    (['--bogus'], 'unrecognized arguments: --bogus'),
])
def test_bad_input_is_one_clear_line(tmp_path, args, message):
    files = {'latin1': b'zo\xe9\n', 'binary': b'ab\x00cd\n', 'empty': b'', 'blank': b'\n  \n\t\n'}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    out = run(*[a.format(**{n: tmp_path / n for n in files}) for a in args])
    err = out.stderr.decode()
    assert out.returncode == 2 and out.stdout == b''
    assert err.startswith('microgpt: error: ') and err.count('\n') == 1, err
    assert message in err and 'Traceback' not in err


def oldest_python():
    """A Python 3.10 interpreter, if this machine has one (pyenv's, on the project's machines)."""
    root = os.environ.get('PYENV_ROOT', os.path.expanduser('~/.pyenv'))
    found = sorted(glob.glob(os.path.join(root, 'versions', '3.10.*', 'bin', 'python3')))
    return found[0] if found else None


@pytest.mark.skipif(oldest_python() is None, reason="no Python 3.10 on this machine")
def test_runs_on_python_3_10():
    g = golden('variant-small')
    out = subprocess.run([oldest_python(), '-m', 'microgpt', *cli_args(g['flags'])], cwd=ROOT,
                         capture_output=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout == g['stdout']


def test_a_diverging_run_ends_with_one_clear_line():
    out = run('--learning-rate', '1e4', '--steps', 40)
    err = out.stderr.decode()
    assert out.returncode == 2 and 'Traceback' not in err and err.count('\n') == 1
    assert err.startswith('microgpt: error: training diverged at step ') and 'try a lower learning rate' in err
    assert out.stdout.startswith(b'num docs: 32033\n') and out.stdout.endswith(b'\r\n')


def test_a_temperature_too_low_to_sample_at_ends_with_one_clear_line():
    out = run('--temperature', '1e-320', '--steps', 2, '--samples', 2)
    err = out.stderr.decode()
    assert out.returncode == 2 and 'Traceback' not in err and err.count('\n') == 1
    assert 'sampling at temperature 1e-320 failed' in err and 'try a higher temperature' in err
    assert out.stdout.endswith(b'--- inference (new, hallucinated names) ---\n')


def test_a_nan_loss_ends_with_one_clear_line():
    # the reference prints `loss nan` to the end and then dies in random.choices with a traceback
    out = run('--learning-rate', '1e150', '--steps', 20)
    err = out.stderr.decode()
    assert out.returncode == 2 and err == ('microgpt: error: training diverged at step 2 (the loss is nan): '
                                           'try a lower learning rate (see --help)\n')


def test_a_reader_that_goes_away_is_no_error():
    # as in `microgpt | head -1`: standard output is a pipe whose reader has gone, so the first write fails
    read, write = os.pipe()
    os.close(read)
    try:
        out = subprocess.run([sys.executable, '-m', 'microgpt', '--steps', '3'], cwd=ROOT, stdout=write,
                             stderr=subprocess.PIPE, timeout=300)
    finally:
        os.close(write)
    assert out.returncode == 1 and out.stderr == b''
