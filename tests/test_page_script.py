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
from test_page import names, settings

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
    run_script(app, tmp_path, 'print("looping", flush=True)\nwhile True:\n    pass\n', name='loops.py')
    expect(app.locator('#script-output')).to_contain_text('looping', timeout=30_000)
    started = time.monotonic()
    app.click('#stop')
    expect(app.locator('#status')).to_have_text(
        'Stopped loops.py: a running script is stopped by restarting Python.', timeout=5_000)
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
    expect(app.locator('#script-info')).to_contain_text(
        "With this browser's libm the output first differs from the other run's at its line ")
    assert page_output(app) != stdout
