"""Run a script, in the real page: Karpathy's microgpt.py (shortened) and a script of the project's own print in the
page, byte for byte, what native python3 prints for the same file and input.txt; the chart and the names come from
the output; a syntax error, an exception, a loop and a download attempt each leave the page usable."""

import re
import subprocess
import sys
import time

import pytest
from playwright.sync_api import expect

from conftest import DONE, ROOT
from test_page import assert_native, main_thread_gap, names, settings, watch_main_thread
from test_page_inspect import axe_violations
from microgpt import Config

REFERENCE = ROOT.parent / 'shared' / 'reference' / 'microgpt.py'
NAMES = ROOT / 'microgpt' / 'names.txt'
SCRIPTS = ROOT / 'tests' / 'scripts'
FINISHED = re.compile(r' finished: \d+ steps in ')


def published():
    if not REFERENCE.exists():
        pytest.skip(f'the reference is not at {REFERENCE}')
    return REFERENCE.read_text()


def reference(steps):
    """The reference with its number of steps changed, and nothing else."""
    source = published()
    shortened = source.replace('num_steps = 1000 #', f'num_steps = {steps} #')
    assert shortened != source
    return shortened


def native(tmp_path, source, dataset=NAMES, name='microgpt.py'):
    """What python3 prints for the script in a folder whose input.txt is the dataset: stdout's bytes, stderr, status."""
    folder = tmp_path / 'native'
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(source)
    (folder / 'input.txt').write_bytes(dataset.read_bytes())
    done = subprocess.run([sys.executable, name], cwd=folder, capture_output=True)
    return done.stdout, done.stderr.decode(), done.returncode


def run_script(page, tmp_path, source, name='microgpt.py', exact=True):
    path = tmp_path / name
    path.write_text(source)
    if page.locator('#script-panel').get_attribute('open') is None:
        page.click('#script-panel > summary')
    page.set_input_files('#script-file', str(path))
    expect(page.locator('#script-info')).not_to_have_text(re.compile('checking|Choose'), timeout=30_000)
    if page.is_checked('#script-exact') != exact:
        page.click('#script-exact')
    page.click('#script-run')


def run_looping(page, tmp_path):
    """Run loops.py, which prints a line then loops for ever, and wait for the line."""
    run_script(page, tmp_path, 'print("looping", flush=True)\nwhile True:\n    pass\n', name='loops.py')
    expect(page.locator('#script-output')).to_contain_text('looping', timeout=30_000)


def page_output(page):
    with page.expect_download() as info:
        page.click('#download-output')
    return open(info.value.path(), 'rb').read()


def test_the_reference_prints_what_python3_prints(app, tmp_path):
    source = reference(20)
    run_script(app, tmp_path, source)
    expect(app.locator('#status')).to_have_text(re.compile(r'^microgpt\.py finished: 20 steps in '), timeout=120_000)
    expect(app.locator('#status')).to_have_attribute('data-phase', 'done')
    stdout, _, status = native(tmp_path, source)
    assert status == 0
    assert page_output(app) == stdout
    # the names and the chart's last step come from its output
    printed = re.findall(r'sample +\d+: (.*)', stdout.decode())
    assert len(printed) == 20 and names(app) == printed
    assert app.get_attribute('#status', 'data-step') == '20'
    expect(app.locator('#script-output')).to_contain_text('step   20 /   20 | loss ')
    expect(app.locator('#cli-command')).to_have_text('python3 microgpt.py')


def test_the_reference_on_an_uploaded_dataset(app, tmp_path):
    data = tmp_path / 'pets.txt'
    data.write_text('\n'.join(['rex', 'fido', 'tom', 'kitty', 'bella', 'max', 'luna', 'coco'] * 20) + '\n')
    app.set_input_files('#dataset-file', str(data))
    expect(app.locator('#dataset-info')).to_contain_text('pets.txt', timeout=30_000)
    source = reference(12)
    run_script(app, tmp_path, source)
    expect(app.locator('#status')).to_have_text(re.compile(r'^microgpt\.py finished: 12 steps'), timeout=120_000)
    stdout, _, _ = native(tmp_path, source, dataset=data)
    assert page_output(app) == stdout
    expect(app.locator('#cli-command')).to_have_text('cp pets.txt input.txt && python3 microgpt.py')


def test_the_exact_paths_script_prints_what_python3_prints(app, tmp_path):
    source = (SCRIPTS / 'exact_paths.py').read_text()
    run_script(app, tmp_path, source, name='exact_paths.py')
    expect(app.locator('#status')).to_have_attribute('data-phase', 'done', timeout=60_000)
    stdout, _, status = native(tmp_path, source, name='exact_paths.py')
    assert status == 0
    assert page_output(app) == stdout


def test_a_syntax_error_is_said_before_anything_runs(app, tmp_path):
    run_script_file = tmp_path / 'broken.py'
    run_script_file.write_text('print("a"\n')
    app.click('#script-panel > summary')
    app.set_input_files('#script-file', str(run_script_file))
    expect(app.locator('#script-error')).to_contain_text('It does not compile: SyntaxError: ', timeout=30_000)
    expect(app.locator('#script-run')).to_be_disabled()


def test_an_exception_prints_its_traceback_and_the_page_goes_on(app, tmp_path):
    source = 'print("before")\nx = 1\nraise ValueError("the script broke")\n'
    run_script(app, tmp_path, source, name='raises.py')
    expect(app.locator('#status')).to_have_text(re.compile(r'^raises\.py exited with status 1'), timeout=30_000)
    _, stderr, _ = native(tmp_path, source, name='raises.py')
    expect(app.locator('#script-output')).to_contain_text('File "raises.py", line 3, in <module>')
    expect(app.locator('#script-output')).to_contain_text('ValueError: the script broke')
    assert 'ValueError: the script broke' in stderr
    settings(app, steps=5)
    app.click('#train')
    expect(app.locator('#status')).to_have_text(DONE, timeout=60_000)


def test_a_script_that_loops_is_stopped(app, tmp_path):
    run_looping(app, tmp_path)
    started = time.monotonic()
    app.click('#stop')
    expect(app.locator('#status')).to_have_text('Stopped loops.py.', timeout=5_000)
    print(f'Stop to a usable page: {time.monotonic() - started:.1f} s')
    expect(app.locator('#status')).to_have_attribute('data-phase', 'stopped')
    expect(app.locator('#script-output')).to_contain_text('looping')  # what it printed stays
    settings(app, steps=5)
    app.click('#train')
    expect(app.locator('#status')).to_have_text(DONE, timeout=60_000)


def test_a_script_that_reaches_for_the_network_is_told_the_page_is_offline(app, tmp_path):
    source = 'import urllib.request\nurllib.request.urlretrieve("https://example.com/names.txt", "x.txt")\n'
    run_script(app, tmp_path, source, name='download.py')
    expect(app.locator('#status')).to_have_text(re.compile(r'^download\.py exited with status 1'), timeout=30_000)
    expect(app.locator('#script-output')).to_contain_text('this page runs scripts offline by design')
    run_script(app, tmp_path, reference(3))
    expect(app.locator('#status')).to_have_text(FINISHED, timeout=60_000)


def test_the_published_reference_is_recognised(app):
    published()  # skips without it
    app.click('#script-panel > summary')
    app.set_input_files('#script-file', str(REFERENCE))
    expect(app.locator('#script-info')).to_contain_text("microgpt.py is Karpathy's microgpt.py, byte for byte "
                                                        "(SHA-256 2ac5f2e6d483…)", timeout=30_000)


def test_the_platform_libm_is_a_switch_away(app, tmp_path):
    # a fork that prints every loss in full: with this browser's own libm its numbers part from python3's
    source = reference(12).replace('| loss {loss.data:.4f}', '| loss {loss.data!r}')
    assert '{loss.data!r}' in source
    run_script(app, tmp_path, source)
    expect(app.locator('#status')).to_have_text(FINISHED, timeout=120_000)
    expect(app.locator('#script-info')).to_contain_text('not the published reference')
    stdout, _, _ = native(tmp_path, source)
    assert page_output(app) == stdout  # exact: the bytes of python3
    run_script(app, tmp_path, source, exact=False)
    expect(app.locator('#status')).to_have_text(FINISHED, timeout=120_000)
    compared = app.locator('#script-compare')
    expect(compared).to_contain_text("With this browser's libm the output first differs from the other run's at its "
                                     "line ")
    assert page_output(app) != stdout
    app.click('#script-exact')  # the switch describes the next run; the comparison of the last two stays
    expect(compared).to_contain_text("With this browser's libm the output first differs")


# ---- a script cannot harm the page, its training or the user's work ----

def train_and_check(page, steps=20):
    """Train a short run: it gives the native core's losses and names, bit for bit."""
    settings(page, steps=steps)
    page.click('#train')
    expect(page.locator('#status')).to_have_text(DONE, timeout=60_000)
    assert_native(page, Config(steps=steps))


def test_a_script_changes_only_its_own_python(app, tmp_path):
    source = ('import random, sys\n'
              'random.Random.random = lambda self: 0.5\n'
              'random.seed = lambda *args: None\n'
              'import microgpt.model\nmicrogpt.model.GPT = None\n'
              'sys.modules["microgpt"] = None\n'
              'print("changed")\n')
    run_script(app, tmp_path, source, name='sabotage.py')
    expect(app.locator('#status')).to_have_text(re.compile(r'^sabotage\.py finished'), timeout=30_000)
    train_and_check(app)
    # and the same script again: its next Python is a fresh one too
    run_script(app, tmp_path, source, name='sabotage.py')
    expect(app.locator('#status')).to_have_text(re.compile(r'^sabotage\.py finished'), timeout=30_000)
    expect(app.locator('#script-output')).to_have_text('changed')


def test_a_script_cannot_reach_the_network_the_storage_or_the_page(app, tmp_path):
    requests = []
    app.on('request', lambda request: requests.append(request.url))
    source = ('import js\n'
              'from pyodide.ffi import to_js\n'
              'tries = {\n'
              '    "open_url": lambda: __import__("pyodide.http").http.open_url("https://example.com/x"),\n'
              '    "fetch": lambda: js.fetch("https://example.com/y"),\n'
              '    "indexedDB": lambda: js.indexedDB.deleteDatabase("microgpt"),\n'
              '    "postMessage": lambda: js.postMessage(to_js({"type": "script-done", "run": 1})),\n'
              '    "prototype": lambda: js.Object.getPrototypeOf(js.self).fetch,\n'
              '    "eval": lambda: js.eval("import(\'https://example.com/e.js\')"),\n'
              '    "Function": lambda: js.Object.constructor("return import(\'https://example.com/f.js\')")(),\n'
              '    "async": lambda: js.Object.getPrototypeOf(__import__("pyodide_js").loadPackage).constructor('
              '"return import(\'https://example.com/a.js\')")(),\n'
              '    "setTimeout": lambda: js.setTimeout("import(\'https://example.com/t.js\')", 0),\n'
              '}\n'
              'for name, attempt in tries.items():\n'
              '    try:\n'
              '        attempt()\n'
              '        print(name, "reached")\n'
              '    except Exception as e:\n'
              '        print(name, type(e).__name__, "offline and away from its storage by design" in str(e))\n')
    run_script(app, tmp_path, source, name='reach.py')
    expect(app.locator('#status')).to_have_text(re.compile(r'^reach\.py finished'), timeout=30_000)
    output = page_output(app).decode()
    # each says why; the browser's own fetch, taken off the prototypes too, is simply not there
    assert output.splitlines() == ['open_url JsException True', 'fetch JsException True', 'indexedDB JsException True',
                                   'postMessage JsException True', 'prototype AttributeError False',
                                   'eval JsException True', 'Function JsException True', 'async JsException True',
                                   'setTimeout JsException True']
    assert not [url for url in requests if 'example.com' in url]


def test_output_floods_are_batched_and_kept_exactly(app, tmp_path):
    # 200,000 writes, and 100,000 characters with no line end: the download is python3's bytes, the page responsive
    source = ('import sys\n'
              'for i in range(100_000):\n'
              '    print(i)\n'
              '    sys.stdout.write("x")\n'
              'for i in range(100_000):\n'
              '    print("y", end="")\n'
              'print("\\nstep 99999999999999999999 / 5 | loss 1.0")\n'  # past what the page counts: not progress
              'print("step 1 / 5 | loss 2.5")\n')
    watch_main_thread(app)
    run_script(app, tmp_path, source, name='flood.py')
    expect(app.locator('#status')).to_have_text(re.compile(r'^flood\.py finished: 1 step in'), timeout=120_000)
    stdout, _, _ = native(tmp_path, source, name='flood.py')
    assert page_output(app) == stdout
    gap = main_thread_gap(app)
    print(f'longest main-thread timer gap during the flood: {gap:.0f} ms')
    assert gap < 500, f"a main-thread timer waited {gap:.0f} ms"
    # what is drawn ends with the last lines
    expect(app.locator('#script-output')).to_contain_text('step 1 / 5 | loss 2.5')


def test_a_script_that_floods_for_ever_is_stopped(app, tmp_path):
    run_script(app, tmp_path, 'while True:\n    print("x" * 10000)\n', name='forever.py')
    expect(app.locator('#script-output')).to_contain_text('xxxx', timeout=30_000)
    app.wait_for_timeout(3000)
    app.click('#stop')
    expect(app.locator('#status')).to_have_text('Stopped forever.py.', timeout=5_000)
    train_and_check(app, steps=5)


@pytest.mark.parametrize('name, source', [
    ('os_exit.py', 'import os\nprint("bye", flush=True)\nos._exit(3)\n'),
    ('recursion.py', 'import sys\nsys.setrecursionlimit(10 ** 6)\nprint("deep", flush=True)\n'
                     'def f(n):\n    return f(n + 1)\nf(0)\n'),
    ('home.py', 'import os, shutil\nprint("gone", flush=True)\nshutil.rmtree(os.path.expanduser("~"))\n'
                'os.chdir("/")\n'),
])
def test_a_script_that_ends_its_python_leaves_the_page_working(app, tmp_path, name, source):
    # Pyodide reports its own end on the console (its stack overflowed): the script's worker, not the page's
    app.expected_errors += ['Pyodide has suffered a fatal error', 'The cause of the fatal error was',
                            'Maximum call stack size exceeded', 'RangeError', r'pyodide\.asm']
    run_script(app, tmp_path, source, name=name)
    expect(app.locator('#status')).to_have_attribute('data-phase', re.compile('stopped|done'), timeout=60_000)
    status = app.locator('#status').text_content()
    print(f'{name}: {status}')
    assert 'Python' in status or 'exited' in status or 'finished' in status
    expect(app.locator('#download-output')).to_be_enabled()
    assert page_output(app).decode().split('\n')[0] in ('bye', 'deep', 'gone')
    train_and_check(app, steps=5)


def test_fd_writes_reach_the_output(app, tmp_path):
    source = ('import os, sys\n'
              'print("text", flush=True)\n'
              'os.write(1, b"fd one\\n")\n'
              'sys.stdout.buffer.write(b"buffer\\n")\n'
              'sys.stdout.flush()\n'
              'print("original", file=sys.__stdout__, flush=True)\n')
    run_script(app, tmp_path, source, name='fd.py')
    expect(app.locator('#status')).to_have_text(re.compile(r'^fd\.py finished'), timeout=30_000)
    stdout, _, _ = native(tmp_path, source, name='fd.py')
    assert page_output(app) == stdout == b'text\nfd one\nbuffer\noriginal\n'


def test_choosing_while_a_script_runs_and_refusing_a_file(app, tmp_path):
    run_looping(app, tmp_path)
    # another script, checked while the first runs (by another Python), then run after Stop
    other = tmp_path / 'other.py'
    other.write_text('print("the other one")\n')
    app.set_input_files('#script-file', str(other))
    expect(app.locator('#script-info')).to_contain_text('other.py, 0.0 kB (not the published reference', timeout=30_000)
    app.click('#stop')
    expect(app.locator('#script-run')).to_be_enabled()
    app.click('#script-run')
    expect(app.locator('#status')).to_have_text(re.compile(r'^other\.py finished'), timeout=30_000)
    expect(app.locator('#script-output')).to_have_text('the other one')
    # a file refused for its size: nothing stays armed to run
    big = tmp_path / 'big.py'
    big.write_bytes(b'#' * (1024 * 1024 + 1))
    app.set_input_files('#script-file', str(big))
    expect(app.locator('#script-error')).to_contain_text('a script here is at most 1024 kB')
    expect(app.locator('#script-run')).to_be_disabled()
    # emptying the paste box does not forget a chosen file
    app.set_input_files('#script-file', str(other))
    expect(app.locator('#script-run')).to_be_enabled(timeout=30_000)
    app.fill('#script-text', 'print(1)')
    app.fill('#script-text', '')
    app.wait_for_timeout(600)
    expect(app.locator('#script-run')).to_be_enabled()
    expect(app.locator('#script-info')).to_contain_text('other.py')


def test_run_moves_the_focus_to_the_output_and_outputs_that_differ_by_a_tail(app, tmp_path):
    # only an exact run has the exact power's helper among its globals: it prints one line more
    source = 'print("same")\nif "__microgpt_exact_pow__" in globals():\n    print("exact tail")\n'
    run_script(app, tmp_path, source, name='tail.py')
    expect(app.locator('#script-output')).to_be_focused()
    expect(app.locator('#status')).to_have_text(re.compile(r'^tail\.py finished'), timeout=30_000)
    expect(app.locator('#settings-summary')).to_have_text('tail.py runs with the settings in its file')
    run_script(app, tmp_path, source, name='tail.py', exact=False)
    expect(app.locator('#status')).to_have_text(re.compile(r'^tail\.py finished'), timeout=30_000)
    expect(app.locator('#script-compare')).to_have_text(
        "With this browser's libm the output first differs from the other run's at its line 2: “exact tail” became "
        "(nothing).")


def test_a_py_file_dropped_anywhere_is_the_script(app, tmp_path):
    app.evaluate("""() => {
        const data = new DataTransfer();
        data.items.add(new File(['print("dropped")\\n'], 'dropped.py', { type: 'text/x-python' }));
        const target = document.querySelector('#loss') ?? document.body;
        target.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
        window.dropKept = !target.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true,
                                                                       cancelable: true }));
    }""")
    assert app.evaluate('window.dropKept')  # the browser does not leave the page to show the file
    expect(app.locator('#script-panel')).to_have_attribute('open', '')
    expect(app.locator('#script-info')).to_contain_text('dropped.py', timeout=30_000)
    expect(app.locator('#script-run')).to_be_enabled()


def test_a_pasted_script_edited_is_not_run_as_it_was(app, tmp_path):
    app.click('#script-panel > summary')
    app.fill('#script-text', 'print("OLD")\n')
    expect(app.locator('#script-run')).to_be_enabled(timeout=30_000)
    app.fill('#script-text', 'print("NEW")\n')
    expect(app.locator('#script-run')).to_be_disabled()  # until what the box holds now is checked
    expect(app.locator('#script-run')).to_be_enabled(timeout=30_000)
    app.click('#script-run')
    expect(app.locator('#status')).to_have_text(re.compile(r'^script\.py finished'), timeout=30_000)
    expect(app.locator('#script-output')).to_have_text('NEW')


def test_the_download_keeps_the_first_32_mi_characters(app, tmp_path):
    run_script(app, tmp_path, 'print("a" * 40_000_000)\nprint("END")\n', name='big.py')
    expect(app.locator('#status')).to_have_text(re.compile(r'^big\.py finished'), timeout=120_000)
    expect(app.locator('#script-output')).to_contain_text('the download keeps the first 32 Mi characters')
    assert page_output(app) == b'a' * (32 * 1024 * 1024)


def test_a_name_printed_right_to_left_stays_in_its_place(app, tmp_path):
    run_script(app, tmp_path, 'print("sample  1: \\u202eevil")\nprint("sample  2: emma")\n', name='rtl.py')
    expect(app.locator('#status')).to_have_text(re.compile(r'^rtl\.py finished'), timeout=30_000)
    expect(app.locator('#names .name bdi')).to_have_text(['\u202eevil', 'emma'])


def test_stop_keeps_the_page_where_it_is(app, tmp_path):
    run_looping(app, tmp_path)
    app.locator('#script-output').scroll_into_view_if_needed()
    before = app.evaluate('scrollY')
    box = app.locator('#stop').bounding_box()  # the sticky controls are in view: a click where they are
    app.mouse.click(box['x'] + box['width'] / 2, box['y'] + box['height'] / 2)  # (Playwright's own would scroll)
    expect(app.locator('#status')).to_have_text('Stopped loops.py.')
    expect(app.locator('#train')).to_be_focused()
    assert abs(app.evaluate('scrollY') - before) < 5


@pytest.mark.parametrize('width', [1280, 375])
def test_axe_finds_no_violations_in_the_script_panel(app, tmp_path, width):
    app.set_viewport_size({'width': width, 'height': 900})
    run_looping(app, tmp_path)
    assert axe_violations(app) == [], 'running'
    app.click('#stop')
    run_script(app, tmp_path, 'print("x" * 300)\nprint("sample  1: kamon")\n', name='wide.py', exact=False)
    expect(app.locator('#status')).to_have_text(re.compile(r'^wide\.py finished'), timeout=30_000)
    assert axe_violations(app) == [], 'done'
    assert app.evaluate('document.documentElement.scrollWidth') <= width  # the terminal scrolls, not the page
