"""The command line's checkpoints: --until, --save and --resume print, byte for byte, what the uninterrupted golden
run prints; Ctrl-C and SIGTERM save the last completed step; a bad checkpoint, a conflicting flag, another dataset, a
file that is not a regular file, a full disk or a closed standard output each end with one line on stderr."""

import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile

import pytest

from conftest import ROOT, assert_same_floats, cli_args, golden
from microgpt import Config, Trainer, sources

ENV = {**os.environ, 'PYTHONPATH': str(ROOT)}


def run(*args, cwd, **kwargs):
    return subprocess.run([sys.executable, '-m', 'microgpt', *map(str, args)], cwd=cwd, env=ENV,
                          capture_output=True, timeout=600, **kwargs)


def split(stdout, step):
    """The golden stdout's header (3 lines), its bytes up to and including step `step`'s line, and the rest."""
    header_end = stdout.index(b'step ')
    cut = header_end if step == 0 else stdout.index(b'\r', stdout.index(b'step %4d /' % step)) + 1
    return stdout[:header_end], stdout[:cut], stdout[cut:]


def one_line(err):
    text = err.decode()
    assert text.count('\n') == 1 and text.endswith('\n') and 'Traceback' not in text, text
    return text[:-1]


def stop_and_resume(g, tmp_path, k):
    header, first, rest = split(g['stdout'], k)
    name = 'run.microgpt.json'
    out = run(*cli_args(g['flags']), '--until', k, '--save', name, cwd=tmp_path)
    assert out.returncode == 0 and out.stdout == first + b'\n'
    assert one_line(out.stderr) == (f"microgpt: saved step {k} of {g['config']['steps']} to {name}; "
                                    f"continue with: python -m microgpt --resume {name}")
    out = run('--resume', name, cwd=tmp_path)
    assert out.returncode == 0 and out.stderr == b''
    assert out.stdout == header + rest


@pytest.mark.parametrize('k', [1, 15, 29])
def test_until_then_resume_prints_the_golden_run(tmp_path, k):
    stop_and_resume(golden('variant-small'), tmp_path, k)


@pytest.mark.slow
def test_until_then_resume_prints_the_golden_default_run(tmp_path):
    stop_and_resume(golden('default'), tmp_path, 500)


def test_until_without_save_names_the_file_after_the_run(tmp_path):
    g = golden('variant-small')
    out = run(*cli_args(g['flags']), '--until', 30, cwd=tmp_path)
    name = 'names-s7-2x8-step30of30.microgpt.json'
    assert out.returncode == 0 and out.stdout == split(g['stdout'], 30)[1] + b'\n'
    assert one_line(out.stderr) == (f"microgpt: saved step 30 of 30 to {name}; "
                                    f"continue with: python -m microgpt --resume {name}")
    assert os.listdir(tmp_path) == [name]
    out = run('--resume', name, cwd=tmp_path)  # trained to the end: the header and the final names
    assert out.returncode == 0 and out.stdout == split(g['stdout'], 0)[0] + b'\n' + g['stdout'].split(b'\r\n', 1)[1]


def test_save_at_the_end_comes_before_the_final_names(tmp_path):
    g = golden('variant-small')
    out = run(*cli_args(g['flags']), '--save', 'end.microgpt.json', cwd=tmp_path)
    assert out.returncode == 0 and out.stdout == g['stdout']
    assert one_line(out.stderr) == "microgpt: saved step 30 of 30 to end.microgpt.json"
    out = run('--resume', 'end.microgpt.json', *cli_args(g['flags']), cwd=tmp_path)  # the same flags: no conflict
    header = split(g['stdout'], 0)[0]
    assert out.returncode == 0 and out.stdout == header + b'\n' + g['stdout'].split(b'\r\n', 1)[1]


def test_more_steps_train_further(tmp_path, names):
    g = golden('variant-small')
    run(*cli_args(g['flags']), '--until', 10, '--save', 'a.microgpt.json', cwd=tmp_path)
    out = run('--resume', 'a.microgpt.json', '--steps', 40, '--samples', 10, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    # the same first 10 steps, then 30 more with the learning rate decaying over 40 steps
    trainer = Trainer(Config(**g['config']), names)
    for _ in range(10):
        trainer.step()
    trainer.config = Config(**{**g['config'], 'steps': 40})
    losses = [trainer.step() for _ in range(30)]
    lines = out.stdout.decode().split('\r')
    assert lines[0].endswith('num params: 2032\nstep   11 /   40 | loss %.4f' % losses[0])
    assert [line.split('loss ')[1] for line in lines[:-1]] == ['%.4f' % loss for loss in losses]
    samples = trainer.final_samples()
    assert lines[-1].split('\n')[2:-1] == [f"sample {i + 1:2d}: {name}" for i, name in enumerate(samples)]
    assert losses[0] == g['trace'][10] and losses[1] != g['trace'][11]  # the new schedule from step 12 on


@pytest.fixture(scope='module')
def saved(tmp_path_factory):
    """A variant-small run stopped at step 15, and a tiny run on a file of pets."""
    d = tmp_path_factory.mktemp('saved')
    g = golden('variant-small')
    assert run(*cli_args(g['flags']), '--until', 15, '--save', 'names.microgpt.json', cwd=d).returncode == 0
    (d / 'pets.txt').write_text('rex\nfido\nmia\n')
    out = run('--input', 'pets.txt', '--steps', 4, '--until', 2, cwd=d)
    assert one_line(out.stderr).endswith('--resume pets-s42-1x16-step2of4.microgpt.json --input pets.txt')
    return d


@pytest.mark.parametrize('args, message', [
    (['--resume', 'names.microgpt.json', '--seed', 8], "--seed 8 conflicts with the checkpoint's seed 7"),
    (['--resume', 'names.microgpt.json', '--learning-rate', 0.01],
     "--learning-rate 0.01 conflicts with the checkpoint's learning_rate 0.02"),
    (['--resume', 'names.microgpt.json', '--n-head', 4], "--n-head 4 conflicts with the checkpoint's n_head 2"),
    (['--resume', 'names.microgpt.json', '--steps', 14], "--steps 14 is fewer than the checkpoint's 15 steps done"),
    (['--resume', 'names.microgpt.json', '--until', 15], '--until must be a step from 16 to 30, got 15'),
    (['--until', 0], '--until must be a step from 1 to 1000, got 0'),
    (['--until', 1001], '--until must be a step from 1 to 1000, got 1001'),
    (['--resume', 'names.microgpt.json', '--input', 'pets.txt'],
     'pets.txt is not the dataset this checkpoint was trained on: the built-in names (leave out --input)'),
    (['--resume', 'pets-s42-1x16-step2of4.microgpt.json'], 'the built-in names are not the dataset this checkpoint '
                                                           'was trained on: pets.txt (3 documents, sha256 '),
    (['--resume', 'pets-s42-1x16-step2of4.microgpt.json', '--input', 'names.microgpt.json'],
     'names.microgpt.json is not the dataset this checkpoint was trained on: pets.txt (3 documents, sha256 '),
    (['--resume', 'pets.txt'], 'pets.txt: the file is not JSON (Expecting value at line 1 column 1)'),
    (['--resume', 'missing.json'], 'cannot read missing.json: No such file or directory'),
    (['--resume', '.'], 'cannot read .: Is a directory'),
    (['--n-embd', 64, '--block-size', 128, '--until', 3],
     'cannot save this run: the model is too large: n_layer x n_embd^2 x block_size is 524,288; the limit is 262,144'),
    (['--steps', 2_000_000, '--save', 'x.json'], 'steps is 2,000,000; a browser tab takes 1 to 1,000,000'),
])
def test_bad_input_is_one_clear_line(saved, args, message):
    out = run(*args, cwd=saved)
    assert out.returncode == 2 and out.stdout == b''
    err = one_line(out.stderr)
    assert err.startswith('microgpt: error: ') and message in err and err.endswith(' (see --help)')


@pytest.mark.parametrize('change, message', [
    (lambda s: s['state']['config'].pop('n_head'), 'the config lacks n_head'),
    (lambda s: s.update(version=2), 'format version 2; this microgpt (0.2.0) reads version 1'),
    (lambda s: s['losses'].pop(), 'losses must be a list of the 15 losses of the steps done, got 14'),
])
def test_a_bad_checkpoint_is_one_clear_line(saved, tmp_path, change, message):
    data = json.loads((saved / 'names.microgpt.json').read_text())
    change(data)
    (tmp_path / 'bad.json').write_text(json.dumps(data))
    out = run('--resume', 'bad.json', cwd=tmp_path)
    assert out.returncode == 2 and out.stdout == b'' and "microgpt: error: bad.json: " in one_line(out.stderr)
    assert message in out.stderr.decode()


def test_a_file_that_is_not_a_regular_file_is_refused_at_once(tmp_path):
    os.mkfifo(tmp_path / 'fifo')  # no writer: opening it to read would wait forever
    for flag in ('--input', '--resume'):
        for path, kind in ((tmp_path / 'fifo', 'a named pipe (FIFO)'), ('/dev/zero', 'a character device')):
            out = run(flag, path, cwd=tmp_path)
            assert out.returncode == 2
            assert one_line(out.stderr) == f"microgpt: error: cannot read {path}: it is {kind}, not a regular file " \
                                           "(see --help)"


def test_a_file_too_large_is_refused_unread(tmp_path):
    with open(tmp_path / 'big.txt', 'wb') as f:
        f.truncate(50 * 1024 * 1024 + 1)  # sparse: no 50 MB written
    out = run('--input', 'big.txt', cwd=tmp_path)
    assert out.returncode == 2
    assert one_line(out.stderr) == ("microgpt: error: cannot read big.txt: it is 52,428,801 bytes; the limit is 50 MB "
                                    "(see --help)")


def test_a_full_disk_is_one_line(tmp_path):
    if not os.path.exists('/dev/full'):
        pytest.skip("no /dev/full on this machine")
    with open('/dev/full', 'wb') as full:
        out = subprocess.run([sys.executable, '-m', 'microgpt', '--steps', '2'], cwd=tmp_path, env=ENV, stdout=full,
                             stderr=subprocess.PIPE, timeout=300)
    assert out.returncode == 1
    assert one_line(out.stderr) == "microgpt: error: cannot write to standard output: No space left on device"


def test_a_closed_standard_output_is_one_line(tmp_path):
    out = subprocess.run(['sh', '-c', f'"{sys.executable}" -m microgpt --steps 2 --save x.json >&-'], cwd=tmp_path,
                         env=ENV, capture_output=True, timeout=300)
    assert out.returncode == 1
    assert one_line(out.stderr) == "microgpt: error: cannot write to standard output: Bad file descriptor"
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize('path, message', [
    ('dir', 'cannot save to dir: it is a directory'),
    ('nowhere/x.json', 'cannot save to nowhere/x.json: there is no directory {tmp}/nowhere'),
    ('/dev/null', 'cannot save to /dev/null: it is not a regular file'),  # as root, a rename would replace it
])
def test_a_save_that_cannot_be_made_is_refused_before_training(tmp_path, path, message):
    (tmp_path / 'dir').mkdir()
    out = run('--steps', 3, '--until', 2, '--save', path, cwd=tmp_path)
    assert out.returncode == 2 and out.stdout == b''
    assert one_line(out.stderr) == f"microgpt: error: {message.format(tmp=tmp_path)} (see --help)"
    assert sorted(os.listdir(tmp_path)) == ['dir'] and os.listdir(tmp_path / 'dir') == []
    assert os.path.exists('/dev/null') and not os.path.isfile('/dev/null')


def start(tmp_path, *args):
    return subprocess.Popen([sys.executable, '-m', 'microgpt', *map(str, args)], cwd=tmp_path, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def read_steps(process, count):
    """Read stdout until `count` step lines have appeared; return what was read."""
    data = b''
    deadline = time.monotonic() + 120
    while data.count(b'\r') < count:
        assert time.monotonic() < deadline, data
        chunk = os.read(process.stdout.fileno(), 4096)
        assert chunk, data
        data += chunk
    return data


@pytest.mark.parametrize('signum, status', [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupt_saves_the_last_completed_step(tmp_path, names, signum, status):
    process = start(tmp_path, '--steps', 100_000, '--save', 'run.microgpt.json')
    data = read_steps(process, 3)
    process.send_signal(signum)
    rest, err = process.communicate(timeout=120)
    data += rest
    assert process.returncode == status
    k = data.count(b'\r')
    assert data.endswith(b'\r\n') and k >= 3
    assert one_line(err) == (f"microgpt: interrupted at step {k} of 100000; saved to run.microgpt.json; "
                             "continue with: python -m microgpt --resume run.microgpt.json")
    saved = json.loads((tmp_path / 'run.microgpt.json').read_text())
    trainer = Trainer(Config(steps=100_000), names)
    expected = [trainer.step() for _ in range(k + 2)]
    assert_same_floats(saved['losses'], expected[:k])
    # resumed, it continues with the uninterrupted run's numbers
    process = start(tmp_path, '--resume', 'run.microgpt.json')
    data = read_steps(process, 2)
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=120)
    lines = data.decode().split('\n')
    assert lines[3:] and lines[3].startswith(f"step {k + 1:4d} / 100000 | loss {expected[k]:.4f}\rstep {k + 2:4d} / "
                                             f"100000 | loss {expected[k + 1]:.4f}\r")


def test_an_interrupt_without_save_is_one_line(tmp_path):
    process = start(tmp_path, '--steps', 100_000)
    data = read_steps(process, 1)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130 and (data + out).endswith(b'\r\n')
    assert one_line(err).startswith("microgpt: interrupted at step ") and one_line(err).endswith(" of 100000")
    assert os.listdir(tmp_path) == []


def test_a_second_interrupt_stops_at_once_without_saving(tmp_path):
    # steps of a few tenths of a second, so that both signals arrive within one step
    process = start(tmp_path, '--n-embd', 64, '--block-size', 64, '--save', 'run.microgpt.json')
    read_steps(process, 1)
    process.send_signal(signal.SIGINT)
    time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130
    assert one_line(err) == "microgpt: interrupted again: stopped at once, without saving"
    assert os.listdir(tmp_path) == []


# ---- a run of code edited on the page ----

PAGE_CHECKPOINT = """
import json, sys
from microgpt import Config, Trainer, builtin_names, checkpoint, documents
order = json.load(sys.stdin)
docs = documents(builtin_names())
trainer = Trainer(Config(**order['config']), docs)
losses = [trainer.step() for _ in range(order['steps'])]
sys.stdout.write(checkpoint.dumps(trainer, losses, checkpoint.dataset_info(docs), sources=order['sources']))
"""


@pytest.fixture(scope='module')
def modified(tmp_path_factory):
    """The package with model.py's ReLU squared, unzipped as the page downloads it, and its edits."""
    d = tmp_path_factory.mktemp('modified')
    text = sources.originals()['model.py']
    edits = {'model.py': text.replace('x = [xi.relu() for xi in x]', 'x = [xi.relu() ** 2 for xi in x]')}
    assert edits['model.py'] != text
    with zipfile.ZipFile(io.BytesIO(sources.package_zip(edits, sources.originals()))) as z:
        z.extractall(d)
    return d / 'microgpt-modified', edits


# the package in the current directory, which `-m` and `-c` import first (not this repository's, on PYTHONPATH)
HERE = {key: value for key, value in ENV.items() if key not in ('PYTHONPATH', 'PYTHONSAFEPATH')}


def run_modified(folder, *args):
    return subprocess.run([sys.executable, '-m', 'microgpt', *map(str, args)], cwd=folder, env=HERE,
                          capture_output=True, timeout=600)


def page_checkpoint(folder, config, steps, code):
    """A checkpoint made as the page makes it: by the package in `folder`, recording the edits `code`."""
    order = json.dumps({'config': config, 'steps': steps, 'sources': code})
    out = subprocess.run([sys.executable, '-c', PAGE_CHECKPOINT], cwd=folder, input=order.encode(), env=HERE,
                         capture_output=True, timeout=600, check=True)
    return out.stdout


def test_a_checkpoint_of_edited_code_continues_only_with_that_code(modified, tmp_path):
    folder, edits = modified
    g = golden('variant-small')
    whole = run_modified(folder, *cli_args(g['flags']))
    assert whole.returncode == 0 and whole.stdout != g['stdout']  # the squared ReLU trains otherwise
    (tmp_path / 'page.microgpt.json').write_bytes(page_checkpoint(folder, g['config'], 10, edits))
    # this repository's package, as installed, refuses it
    out = run('--resume', 'page.microgpt.json', cwd=tmp_path)
    assert out.returncode == 2 and out.stdout == b''
    assert one_line(out.stderr) == ("microgpt: error: this checkpoint was trained with edited code (model.py): "
                                    "continue it with the modified package the page downloads with it, not this one "
                                    "(see --help)")
    # the modified package continues it, bit for bit, and its own checkpoints record the code in turn
    header, to_10, _ = split(whole.stdout, 10)
    _, to_20, rest = split(whole.stdout, 20)
    out = run_modified(folder, '--resume', tmp_path / 'page.microgpt.json', '--until', 20,
                       '--save', tmp_path / 'cli.microgpt.json')
    assert out.returncode == 0 and out.stdout == header + to_20[len(to_10):] + b'\n'
    saved = json.loads((tmp_path / 'cli.microgpt.json').read_text())
    assert saved['sources'] == edits and saved['state']['step'] == 20
    out = run_modified(folder, '--resume', tmp_path / 'cli.microgpt.json')
    assert out.returncode == 0 and out.stderr == b'' and out.stdout == header + rest


def test_a_checkpoint_whose_recorded_code_is_this_packages_continues(tmp_path):
    g = golden('variant-small')
    code = {'model.py': sources.originals()['model.py']}
    (tmp_path / 'page.microgpt.json').write_bytes(page_checkpoint(ROOT, g['config'], 15, code))
    out = run('--resume', 'page.microgpt.json', cwd=tmp_path)
    header, _, rest = split(g['stdout'], 15)
    assert out.returncode == 0 and out.stderr == b'' and out.stdout == header + rest
