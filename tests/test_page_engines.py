"""The page in Firefox and in WebKit (Safari's engine), as their distributions ship them: a smoke subset of the Chromium
tests, each in both, against the native core's numbers. Ready; a 50-step run with the native losses and names, and
Inside the model's bars and autograd graph for it; pause, Generate and resume; a finished run kept and reopened after
a reload; an uploaded dataset with settings typed in; the Code panel and Run a script once each; and WebKit under the
language `C` (LANG=C.UTF-8). Skipped where a browser is not installed (failed instead under CI, which installs them):
see tests/engines.py."""

import json
import os
import re
import subprocess
import sys
import time

import pytest

import engines
from conftest import READY, ROOT, assert_same_floats
from microgpt import Config, Trainer, builtin_names, documents, inspect

# Selenium's own WebKitGTK driver still passes its server's address the way Selenium has deprecated
pytestmark = pytest.mark.filterwarnings('ignore:setting remote_server_addr:DeprecationWarning')


@pytest.fixture(scope='module', params=['firefox', 'webkit'])
def engine(request):
    why = engines.missing(request.param)
    if why:
        (pytest.fail if os.environ.get('CI') else pytest.skip)(why)
    browser = engines.Firefox() if request.param == 'firefox' else engines.WebKit()
    yield browser
    browser.close()


@pytest.fixture
def tab(engine):
    """A fresh page in the browser; the test fails on any page error (WebKit: from the page's load on)."""
    tab = engine.tab()
    try:
        yield tab
        errors = tab.errors()
    finally:
        tab.close()
    assert errors == []


def start(tab, url):
    tab.goto(url)
    tab.wait_phase('ready')
    assert READY.match(tab.text('#status')), tab.text('#status')
    tab.wait_text('#dataset-info', '4,192 parameters')


def names(tab):
    return tab.js("return [...document.querySelectorAll('#names .name')].map((n) => n.textContent)")


def losses(tab):
    """The losses CSV the page offers: its name and its losses, in step order."""
    name, text = tab.download('#download-losses')
    lines = text.splitlines()
    assert lines[0] == 'step,loss'
    rows = [line.split(',') for line in lines[1:]]
    assert [int(step) for step, _ in rows] == list(range(1, len(rows) + 1))
    return name, [float(loss) for _, loss in rows]


def native(config, docs=None):
    """The native run: its trainer after the last step, its losses and its final names."""
    trainer = Trainer(config, docs or documents(builtin_names()))
    run = [trainer.step() for _ in range(config.steps)]
    return trainer, run, trainer.final_samples()


def assert_native(tab, config, docs=None):
    trainer, want, samples = native(config, docs)
    assert_same_floats(losses(tab)[1], want)
    assert names(tab) == samples
    return trainer


def test_50_steps_give_the_native_losses_names_and_views(tab, site_url):
    start(tab, site_url + '#steps=50')
    assert tab.text('#dataset-info') == \
        'Built-in names (names.txt): 32,033 documents, vocabulary of 27, 4,192 parameters.'
    assert tab.text('#cli-command') == 'python -m microgpt --steps 50'
    tab.click('#train')
    tab.wait_phase('done', timeout=120)
    trainer, want, samples = native(Config(steps=50))
    name, got = losses(tab)
    assert name == 'names-s42-1x16-step50of50.losses.csv'
    assert_same_floats(got, want)
    assert names(tab) == samples
    assert tab.text('#names-caption') == 'Final samples after 50 steps (temperature 0.5)'

    # Inside the model, open from the start: the next letter's bars for "em", each probability the native repr
    tokens = inspect.encode_prefix(trainer.tokenizer, 'em', trainer.config.block_size)
    probs = inspect.next_token(inspect.read(trainer.model, tokens).logits, 0.5)
    bars = {label: repr(p) for label, p in zip(inspect.labels(trainer.tokenizer), probs)}
    top = max(bars, key=lambda label: (float(bars[label]), -list(bars).index(label)))
    shown = tab.wait("""const bars = [...document.querySelectorAll('#next-token .token')];
        return bars[0]?.dataset.p === arguments[0] &&
          Object.fromEntries(bars.map((b) => [b.dataset.token, b.dataset.p]))""", "the final weights' bars", bars[top])
    assert shown == bars
    # its autograd graph, laid out by Graphviz in a worker of its own: the native node count and loss
    tab.click('#graph-view > summary')
    nodes = int(tab.wait("return document.querySelector('#graph svg .node') && "
                         "document.querySelector('#graph > .graph-stage > div')?.dataset.nodes", 'the graph'))
    graph = inspect.graph(trainer.model, trainer.tokenizer, 'em', json.loads(tab.js(
        "return document.querySelector('#graph-piece').value")))
    assert nodes == len(graph['nodes']) == tab.js("return document.querySelectorAll('#graph svg .node').length")
    tab.wait_text('#graph-status', f"the name's mean loss, {graph['loss']!r}")


def test_pause_generate_and_resume_continue_the_same_run(tab, site_url):
    start(tab, site_url + '#steps=60&seed=3&samples=4')
    tab.click('#train')
    tab.wait("return +document.querySelector('#status').dataset.step > 0", 'a first step')
    tab.click('#pause')
    tab.wait_phase('paused')
    paused = tab.text('#status')
    assert re.match(r'^Paused at step \d+ of 60\.$', paused), paused
    time.sleep(1)
    assert tab.text('#status') == paused  # no progress while paused
    assert tab.text('#pause') == 'Resume'
    tab.click('#generate')  # names from the paused weights, drawn without touching the run's generator
    tab.wait_text('#names-caption', 'Generated now at step ')
    tab.wait("return document.querySelectorAll('#names .name').length === 4", 'four names')
    tab.click('#pause')
    tab.wait_phase('done', timeout=120)
    assert_native(tab, Config(steps=60, seed=3, samples=4))


def test_a_finished_run_is_kept_and_reopened_after_a_reload(tab, site_url):
    """Kept in the browser's storage (IndexedDB): listed once done, and reopened by a reload with its numbers. Firefox
    once kept only a run's first save: every later one waited for the user's answer to the question Firefox asks
    about persistent storage (`navigator.storage.persist()`), which nobody may ever give."""
    start(tab, site_url + '#steps=20')
    tab.click('#train')
    tab.wait_phase('done')
    tab.wait_text('#runs .run', 'done 20 of 20')
    tab.goto('about:blank')
    tab.goto(site_url + '#steps=20')
    tab.wait_phase('done')
    assert tab.text('#status') == 'Reopened your last run: done, 20 steps.'
    assert_native(tab, Config(steps=20))


def test_an_uploaded_dataset_with_settings_typed_in(tab, site_url, tmp_path):
    data = 'zoë\nchloé\nbjörn\nåsa\nrex\nfido\nmittens\nluna\nbella\nmax\n'.encode()  # UTF-8, read by the browser
    path = tmp_path / 'pets.txt'
    path.write_bytes(data)
    start(tab, site_url)
    tab.upload('#dataset-file', path)
    tab.wait_text('#dataset-info', 'pets.txt: 10 documents')
    tab.click('#settings-panel > summary')
    tab.fill('#steps', '40')
    tab.fill('#samples', '6')
    tab.wait_text('#cli-command', 'python -m microgpt --input pets.txt --steps 40 --samples 6')
    tab.click('#train')
    tab.wait_phase('done', timeout=120)
    assert_native(tab, Config(steps=40, samples=6), documents(data))


def test_the_code_panel_shows_the_installed_modules(tab, site_url):
    start(tab, site_url)
    tab.click('#code-panel > summary')  # fetches the editor: CodeMirror, styled in a shadow root
    shown = tab.wait("""const file = document.querySelector('#code-file');
        const lines = document.querySelector('#code-editor .code-editor')?.shadowRoot?.querySelectorAll('.cm-line');
        return !file.disabled && lines?.length > 5 && [file.value, [...lines].slice(0, 5).map((l) => l.textContent)]""",
                     'the editor')
    module, lines = shown
    assert lines == (ROOT / 'microgpt' / module).read_text().splitlines()[:5]


SCRIPT = """import math, random
random.seed(42)
print(repr(math.exp(0.1)), repr(math.log(7.0)), repr(random.gauss(0, 1)), 2 ** 0.5)
print(open('input.txt').readline().strip(), len(open('input.txt').read().split()))
"""


def test_run_a_script_prints_what_python3_prints(tab, site_url, tmp_path):
    (tmp_path / 'microgpt.py').write_text(SCRIPT)
    (tmp_path / 'input.txt').write_bytes((ROOT / 'microgpt' / 'names.txt').read_bytes())
    want = subprocess.run([sys.executable, 'microgpt.py'], cwd=tmp_path, capture_output=True, text=True, check=True)
    start(tab, site_url)
    tab.click('#script-panel > summary')
    tab.upload('#script-file', tmp_path / 'microgpt.py')
    tab.wait("return !document.querySelector('#script-run').disabled", 'Run the script enabled')
    tab.click('#script-run')
    tab.wait_phase('done', timeout=60)
    tab.wait_text('#script-output', want.stdout.strip())  # drawn at the next frame, maybe after the status


@pytest.mark.parametrize('engine', ['webkit'], indirect=True)
def test_webkit_with_the_language_c_starts(engine, site_url):
    """LANG=C.UTF-8 (many containers' default): WebKitGTK reports the language `C`, which is no language tag."""
    tab = engine.tab(lang='C.UTF-8')
    try:
        assert tab.js('return navigator.language') == 'C'  # the case under test, before the page's start
        start(tab, site_url + '#steps=10')
        assert tab.js('return navigator.language') == 'en-US'  # spoken instead, as boot.js decides
        tab.click('#train')
        tab.wait_phase('done')
        assert_native(tab, Config(steps=10))  # the chart (uPlot, which formats numbers for the language) drew
        assert tab.errors() == []
    finally:
        tab.close()
