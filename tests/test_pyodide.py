"""The core inside Pyodide (CPython compiled to WebAssembly, as in the page), run under Node: the golden numbers
hold."""

import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from conftest import ROOT, TESTS, assert_same_floats, golden

RUN = """
import json, sys
from microgpt import Config, Trainer, builtin_names, documents
trainer = Trainer(Config(**json.loads({config!r})), documents(builtin_names()))
losses = [trainer.step() for _ in range(trainer.config.steps)]
json.dumps({{'python': sys.version, 'platform': sys.platform, 'losses': losses, 'samples': trainer.final_samples()}})
"""


def wheel():
    wheels = sorted((ROOT / 'dist').glob('microgpt-*-py3-none-any.whl'))
    if not wheels or not (ROOT / 'web' / 'node_modules' / 'pyodide').exists():
        pytest.fail("no wheel in dist/ or no web/node_modules: run the tests with `python build.py test`")
    return wheels[-1]


@pytest.mark.skipif(shutil.which('node') is None, reason="Node.js is not installed")
def test_variant_small_in_pyodide():
    g = golden('variant-small')
    code = RUN.format(config=json.dumps(g['config']))
    out = subprocess.run(['node', TESTS / 'pyodide_run.mjs', wheel()], input=code, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result['platform'] == 'emscripten' and result['python'].startswith('3.')
    assert_same_floats(result['losses'], g['trace'])
    assert result['samples'] == g['samples']


LARGE_VOCABULARY = """
import json
from microgpt import Config, Trainer
# 3,000 distinct characters (CJK ideographs, as in a dataset of Chinese names): softmax sums 3,001 exponentials
docs = [''.join(chr(0x4e00 + (7 * i + 13 * j) % 3000) for j in range(5)) for i in range(1200)]
trainer = Trainer(Config(steps=2, samples=2), docs)
losses = [trainer.step() for _ in range(2)]
json.dumps({'vocab_size': trainer.tokenizer.vocab_size, 'losses': losses, 'samples': trainer.final_samples()})
"""


@pytest.mark.skipif(shutil.which('node') is None, reason="Node.js is not installed")
def test_a_large_vocabulary_trains_in_pyodide():
    """WebAssembly's stack is far smaller than a native thread's: a graph freed through a chain thousands of links
    deep overflowed it (Pyodide then fails for good). The same numbers as natively, and no crash."""
    out = subprocess.run(['node', TESTS / 'pyodide_run.mjs', wheel()], input=LARGE_VOCABULARY, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    result, native = json.loads(out.stdout), {}
    exec(LARGE_VOCABULARY.replace('json.dumps(', 'native = ('), {}, native)
    assert result['vocab_size'] == 3001
    assert result['losses'] == native['native']['losses'] and result['samples'] == native['native']['samples']


STDLIB = """
import json, json.decoder, traceback
try:
    json.loads('{')
except ValueError as e:
    tb = ''.join(traceback.format_exception(e))
json.dumps({'file': json.decoder.__file__, 'traceback': tb})
"""


@pytest.mark.skipif(shutil.which('node') is None, reason="Node.js is not installed")
def test_the_sites_standard_library_is_precompiled_and_complete():
    """build.py adds bytecode for the modules the worker imports to Pyodide's standard library, changing nothing else:
    Pyodide imports that bytecode instead of compiling the sources, and tracebacks still quote the sources."""
    site_zips = list((ROOT / 'site' / 'pyodide').glob('*/python_stdlib.zip'))
    if len(site_zips) != 1:
        pytest.fail("no site/ built: run the tests with `python build.py test`")
    site_zip = site_zips[0]
    with zipfile.ZipFile(ROOT / 'web' / 'node_modules' / 'pyodide' / 'python_stdlib.zip') as npm, \
            zipfile.ZipFile(site_zip) as site:
        added = set(site.namelist()) - set(npm.namelist())
        assert all(site.read(name) == npm.read(name) for name in npm.namelist())
        # dated as their sources: a rebuild gives the same bytes, which browsers keep in their caches
        assert all(site.getinfo(name).date_time == npm.getinfo(name[:-1]).date_time for name in added)
    assert {'json/decoder.pyc', 'random.pyc', 'decimal.pyc', 'asyncio/base_events.pyc'} <= added
    assert all(name.endswith('.pyc') for name in added)
    out = subprocess.run(['node', TESTS / 'pyodide_run.mjs', wheel(), site_zip], input=STDLIB, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result['file'].endswith('/json/decoder.pyc')
    assert 'json/decoder.py", line' in result['traceback'] and 'self.scan_once(s, idx)' in result['traceback']


CHECKPOINTS = """
import json
from microgpt import Config, Trainer, builtin_names, checkpoint, documents
docs = documents(builtin_names())
trainer = Trainer(Config(steps=10), docs)
losses = [trainer.step() for _ in range(4)]
text = checkpoint.dumps(trainer, losses, checkpoint.dataset_info(docs))
refused = {}
for name, bad in [('deep', '[' * 100_000 + ']' * 100_000), ('deep object', '{"a":' * 50_000 + '1' + '}' * 50_000),
                  ('digits', text.replace('"seed":42', '"seed":' + '9' * 5000))]:
    try:
        checkpoint.loads(bad)
    except checkpoint.CheckpointError as e:
        refused[name] = str(e)
json.dumps({'text': text, 'refused': refused})
"""


@pytest.mark.skipif(shutil.which('node') is None, reason="Node.js is not installed")
def test_checkpoints_in_pyodide():
    """The page's checkpoints are the CLI's, byte for byte but for the Python that made them; and a file nested
    100,000 deep, which would overflow WebAssembly's stack inside json.loads (a fatal error: the runtime is gone),
    is refused with a message, as natively."""
    out = subprocess.run(['node', TESTS / 'pyodide_run.mjs', wheel()], input=CHECKPOINTS, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    result, native = json.loads(out.stdout), {}
    exec(CHECKPOINTS.replace('json.dumps(', 'native = ('), {}, native)
    page, here = json.loads(result['text']), json.loads(native['native']['text'])
    assert page.pop('python').startswith('CPython 3.') and 'emscripten' not in here.pop('python')
    assert page == here
    assert result['refused'] == native['native']['refused'] and len(result['refused']) == 3
    assert 'too deeply' in result['refused']['deep'] and 'integer of 5,000 digits' in result['refused']['digits']


INSPECT = """
import json
from microgpt import Config, Trainer, builtin_names, documents, inspect
trainer = Trainer(Config(steps=10), documents(builtin_names()))
for _ in range(5):
    trainer.step()
model, tokenizer = trainer.model, trainer.tokenizer
reading = inspect.read(model, inspect.encode_prefix(tokenizer, 'em', model.config.block_size))
piece = {'kind': 'attention', 'layer': 0, 'head': 1, 'query': 3, 'key': 2}
json.dumps({'probs': inspect.next_token(reading.logits, 0.7), 'attention': reading.attention,
            'embeddings': inspect.embeddings(model, tokenizer), 'graph': inspect.graph(model, tokenizer, 'emma', piece),
            'gradient_check': inspect.gradient_check(model, tokenizer, 'emma')})
"""


@pytest.mark.skipif(shutil.which('node') is None, reason="Node.js is not installed")
def test_inspection_in_pyodide():
    """What the page's "Inside the model" shows is what the native core computes, to the last bit (JSON writes each
    float as its shortest repr): probabilities, attention, embeddings, a graph piece, finite differences."""
    out = subprocess.run(['node', TESTS / 'pyodide_run.mjs', wheel()], input=INSPECT, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    native = {}
    exec(INSPECT.replace('json.dumps(', 'native = json.dumps('), {}, native)
    assert out.stdout == native['native']
    result = json.loads(out.stdout)
    assert len(result['probs']) == 27 and len(result['attention'][0][1][2]) == 3
    assert len(result['embeddings']['points']) == 27 and len(result['gradient_check']['params']) == 6


HELDOUT = """
import json, time
from microgpt import Config, Trainer, builtin_names, documents, heldout
docs = documents(builtin_names())
held = heldout.choose(docs, [(42, 1000), (7, 300), (42, 200)])
trainer = Trainer(Config(), docs)  # the reference's run: its losses go on as golden
for _ in range(3):
    trainer.step()
start = time.perf_counter()
loss = heldout.loss(trainer.model, trainer.tokenizer, held.docs)
seconds = time.perf_counter() - start
json.dumps({'held': held, 'limit': heldout.longest_run(docs, held.docs, 42), 'loss': loss,
            'each': heldout.document_losses(trainer.model, trainer.tokenizer, held.docs[:10]),
            'seconds': seconds, 'steps': [trainer.step() for _ in range(7)]})
"""


@pytest.mark.skipif(shutil.which('node') is None, reason="Node.js is not installed")
def test_heldout_loss_in_pyodide(tmp_path_factory):
    """The held-out documents and loss a page's worker computes are the native ones, to the last bit, and the run
    measured goes on as the reference's default run."""
    wheel_path = checkout_wheel(tmp_path_factory, 'heldout.py')
    out = subprocess.run(['node', TESTS / 'pyodide_run.mjs', wheel_path], input=HELDOUT, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    result, native = json.loads(out.stdout), {}
    exec(HELDOUT.replace('json.dumps(', 'native = ('), {}, native)
    native = json.loads(json.dumps(native['native']))
    assert result.pop('seconds') > 0 and native.pop('seconds') > 0
    assert result == native  # JSON writes each float as its shortest repr: every bit
    assert len(result['held'][0]) == 100 and result['held'][1:] == [7, None]
    assert_same_floats(result['steps'], golden('default')['trace'][3:10])


CODE_EDITOR = """
import json
from microgpt import sources

def first_losses():
    from microgpt import Config, Trainer, builtin_names, documents  # the package as last imported
    trainer = Trainer(Config(), documents(builtin_names()))  # the reference's settings: its first losses
    return [trainer.step() for _ in range(3)]

originals = sources.originals()
model = originals['model.py']
result = {'directory': str(sources.PACKAGE_DIR), 'installed': first_losses()}
edited = sources.apply({'model.py': model.replace('x = [xi.relu() for xi in x]', 'x = [xi.relu() ** 2 for xi in x]')},
                       originals)
result['file'] = edited.model.__file__
result['squared'] = first_losses()
try:
    sources.apply({'model.py': model + '\\nACTIVATION = squared_relu\\n'}, originals)
except sources.CodeError as e:
    result['error'] = [e.kind, e.file, e.line, str(e), e.traceback]
result['kept'] = first_losses()
try:  # compiled, it would overflow WebAssembly's stack, a fatal error that ends the runtime
    sources.apply({'model.py': model + '\\nx = ' + '-' * 100_000 + '1\\n'}, originals)
except sources.CodeError as e:
    result['deep'] = str(e)
sources.apply({}, originals)
result['restored'] = first_losses()
result['files'] = sources.originals() == originals
json.dumps(result)
"""


@pytest.mark.skipif(shutil.which('node') is None, reason="Node.js is not installed")
def test_the_code_editor_in_pyodide(tmp_path):
    """The page's code editor: the package Pyodide installed is written over and imported afresh, and trains with
    the edit, as the same code does natively on a copy of the package; a module that fails to import leaves the code
    that was; the package as installed comes back, with the golden first losses."""
    out = subprocess.run(['node', TESTS / 'pyodide_run.mjs', wheel()], input=CODE_EDITOR, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    assert result['directory'].endswith('/site-packages/microgpt')
    assert result['file'] == result['directory'] + '/model.py'
    # natively, on a copy of the package in a fresh interpreter that imports it (from its current directory, first
    # on sys.path), never this repository's
    shutil.copytree(ROOT / 'microgpt', tmp_path / 'microgpt', ignore=shutil.ignore_patterns('__pycache__'))
    script = CODE_EDITOR.replace('json.dumps(result)', 'print(json.dumps(result))')
    env = {key: value for key, value in os.environ.items() if key not in ('PYTHONPATH', 'PYTHONSAFEPATH')}
    native = json.loads(subprocess.run([sys.executable, '-c', script], cwd=tmp_path, env=env, capture_output=True,
                                       text=True, timeout=600, check=True).stdout)
    assert native['directory'] == str(tmp_path / 'microgpt')
    for key in ('installed', 'squared', 'kept', 'restored'):
        assert_same_floats(result[key], native[key])
    assert_same_floats(result['installed'], golden('default')['trace'][:3])
    assert result['squared'] != result['installed'] and result['kept'] == result['squared']
    assert result['restored'] == result['installed'] and result['files'] is True
    line = len(ROOT.joinpath('microgpt', 'model.py').read_text().splitlines()) + 2  # after the text, a blank line
    assert result['deep'] == native['deep'] and result['deep'].startswith(f'model.py, line {line}: nested too deeply')
    assert result['error'][:4] == native['error'][:4] == [
        'import', 'model.py', line, f"model.py, line {line}: NameError: name 'squared_relu' is not defined"]
    for traceback in (result['error'][4], native['error'][4]):
        assert f'  File "microgpt/model.py", line {line}, in <module>\n    ACTIVATION = squared_relu\n' in traceback
        assert traceback.endswith("NameError: name 'squared_relu' is not defined\n")


# ---- microgpt.script: a microgpt.py run unchanged, inside Pyodide, prints python3's bytes ----

REFERENCE = ROOT.parent / 'shared' / 'reference' / 'microgpt.py'

RUN_SCRIPTS = """
import base64, json, time
from importlib.resources import files
from microgpt import libm, script
dataset = files('microgpt').joinpath('names.txt').read_bytes()
results = []
for source, exact in json.loads({runs!r}):
    writes, stamps = [], []
    def write(stream, text):
        writes.append((stream, text))
        if text.startswith('step'):
            stamps.append(time.perf_counter())
    status = script.run(base64.b64decode(source), 'microgpt.py', write, dataset=dataset, exact=exact)
    # the bytes as the script wrote them, in base64: nothing on the way (JSON, Node's stdout) can alter a byte
    stdout = ''.join(text for stream, text in writes if stream == 'stdout').encode()
    results.append({{'status': status, 'stdout': base64.b64encode(stdout).decode(),
                    'stderr': ''.join(text for stream, text in writes if stream == 'stderr'),
                    'steps_per_second': (len(stamps) - 1) / (stamps[-1] - stamps[0])}})
json.dumps({{'native': libm.NATIVE, 'results': results}})
"""


@pytest.fixture(scope='module')
def script_wheel(tmp_path_factory):
    return checkout_wheel(tmp_path_factory, 'script.py')


def checkout_wheel(tmp_path_factory, module):
    """A wheel holding this checkout's microgpt/`module`: dist/'s if it does, else one built from a copy of the
    package (as build.py builds dist/'s, away from the checkout's build/ that a concurrent build may be using)."""
    if not (ROOT / 'web' / 'node_modules' / 'pyodide').exists():
        pytest.fail("no web/node_modules: run the tests with `python build.py test`")
    for built in sorted((ROOT / 'dist').glob('microgpt-*-py3-none-any.whl'))[-1:]:
        with zipfile.ZipFile(built) as z:
            if f'microgpt/{module}' in z.namelist() and \
                    z.read(f'microgpt/{module}') == (ROOT / 'microgpt' / module).read_bytes():
                return built
    source, out = tmp_path_factory.mktemp('source'), tmp_path_factory.mktemp('wheel')
    for name in ('pyproject.toml', 'README.md'):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / 'microgpt', source / 'microgpt', ignore=shutil.ignore_patterns('__pycache__'))
    subprocess.run([sys.executable, '-P', '-m', 'build', '--wheel', '--outdir', out, source], capture_output=True,
                   check=True, timeout=300)
    (built,) = out.glob('microgpt-*-py3-none-any.whl')
    return built


def _reference(steps, loss_format=None):
    """The published reference with its number of steps changed (and, for a fork, how it prints the loss)."""
    if not REFERENCE.exists():
        pytest.skip(f"the reference is not at {REFERENCE}")
    source = REFERENCE.read_bytes()
    changed = source.replace(b'num_steps = 1000 #', b'num_steps = %d #' % steps)
    if loss_format is not None:
        changed = changed.replace(b'{loss.data:.4f}', loss_format)
    assert changed.count(b'num_steps = %d #' % steps) == 1 and (loss_format is None or loss_format in changed)
    return changed


def _python3(tmp_path, source):
    """What python3 prints running the file in a folder whose input.txt is the built-in names: stdout's bytes."""
    folder = tmp_path / f'native-{len(list(tmp_path.iterdir()))}'
    folder.mkdir()
    (folder / 'microgpt.py').write_bytes(source)
    shutil.copy(ROOT / 'microgpt' / 'names.txt', folder / 'input.txt')
    done = subprocess.run([sys.executable, 'microgpt.py'], cwd=folder, capture_output=True, timeout=600)
    assert done.returncode == 0 and done.stderr == b'', done.stderr
    return done.stdout


@pytest.fixture(scope='module')
def script_runs(script_wheel):
    """In one Pyodide: the reference shortened to 15 steps, exact; a fork printing each loss's repr, 12 steps, exact
    and with the platform's functions."""
    import base64
    sources = {'reference': _reference(15), 'repr': _reference(12, b'{loss.data!r}')}
    runs = [(base64.b64encode(sources[name]).decode(), exact) for name, exact in
            [('reference', True), ('repr', True), ('repr', False)]]
    out = subprocess.run(['node', TESTS / 'pyodide_run.mjs', script_wheel], input=RUN_SCRIPTS.format(
        runs=json.dumps(runs)), capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    for run in result['results']:
        run['stdout'] = base64.b64decode(run['stdout'])
    return sources, result


@pytest.mark.skipif(shutil.which('node') is None, reason="Node.js is not installed")
def test_the_reference_unchanged_prints_python3s_bytes_in_pyodide(script_runs, tmp_path):
    """The key test of microgpt.script: Karpathy's file (its step count aside) run by script.run() inside Pyodide
    prints, byte for byte, what native python3 prints for it on glibc: every step's line with its '\\r', the 20
    names. Pyodide's libm is musl's: without the exact functions (exact=False) its last bits differ (below)."""
    sources, result = script_runs
    assert not any(result['native'].values())  # Pyodide uses every port
    run = result['results'][0]
    assert (run['status'], run['stderr']) == (0, '')
    expected = _python3(tmp_path, sources['reference'])
    assert run['stdout'] == expected
    assert expected.count(b'\r') == 15 and expected.count(b'\nsample ') == 20


@pytest.mark.skipif(shutil.which('node') is None, reason="Node.js is not installed")
def test_without_the_exact_functions_pyodide_differs_from_python3(script_runs, tmp_path):
    """Why they are needed: a fork printing each loss in full (repr) prints python3's bytes in Pyodide with the exact
    functions, and other bytes with Pyodide's own (its losses first differ at step 8, in the last digit). The
    published reference's own output (4 decimals, 20 names) hides that difference: over its 1,000 steps it printed
    the same bytes both ways in Pyodide 314.0.7."""
    sources, result = script_runs
    expected = _python3(tmp_path, sources['repr'])
    exact, platform = result['results'][1:]
    assert exact['status'] == platform['status'] == 0
    assert exact['stdout'] == expected
    lines, native_lines = platform['stdout'].split(b'\r'), expected.split(b'\r')
    differing = [i + 1 for i, (a, b) in enumerate(zip(lines, native_lines)) if a != b]
    assert differing, "Pyodide's own libm gave python3's losses to the last bit: the exact functions show no effect"
    assert len(lines) == len(native_lines) == 13
