"""The Code panel in the real page: the package's own modules, edited, train as the same edit trains natively (bit for
bit); errors of the edit point at its line; a step that never returns is stopped; edits survive a reload, never
travel in a link, and a checkpoint records them."""

import json
import re
import shutil
import subprocess
import sys
import time
import zipfile

from playwright.sync_api import expect

from conftest import DONE, ROOT, assert_same_floats
from test_page import assert_native, download_losses, names, settings
from test_page_inspect import axe_violations
from test_page_runs import PAUSED, open_checkpoint, save_checkpoint
from microgpt import Config

MODEL = (ROOT / 'microgpt' / 'model.py').read_text()
RELU = '            x = [xi.relu() for xi in x]\n'
SQUARED_RELU = MODEL.replace(RELU, '            x = [xi.relu() ** 2 for xi in x]\n')
RELU_LINE = MODEL[:MODEL.index(RELU)].count('\n') + 1
TRAINER = (ROOT / 'microgpt' / 'trainer.py').read_text()


def edited_package(tmp_path, edits):
    """A copy of the package with these modules replaced: the native side of every comparison."""
    folder = tmp_path / 'edited'
    shutil.copytree(ROOT / 'microgpt', folder / 'microgpt', ignore=shutil.ignore_patterns('__pycache__'))
    for name, text in edits.items():
        (folder / 'microgpt' / name).write_text(text)
    return folder


def native(folder, steps):
    """Every loss and the final names of a run of `steps` in the package at `folder`, in a fresh Python."""
    code = ('import json, sys; from microgpt import Config, Trainer, builtin_names, documents\n'
            f't = Trainer(Config(steps={steps}), documents(builtin_names()))\n'
            'losses = [repr(t.step()) for _ in range(t.config.steps)]\n'
            'print(json.dumps([losses, t.final_samples()]))')
    out = subprocess.run([sys.executable, '-c', code], cwd=folder, capture_output=True, text=True, check=True).stdout
    losses, samples = json.loads(out)
    return [float(loss) for loss in losses], samples


def open_code(page):
    if page.locator('#code-panel').get_attribute('open') is None:
        page.click('#code-panel > summary')
    expect(page.locator('#code .cm-content')).to_be_visible(timeout=30_000)
    expect(page.locator('#code-file')).to_be_enabled(timeout=30_000)


def edit(page, name, text):
    """Replace the whole text of a module in the editor, as a user pasting it would."""
    open_code(page)
    page.select_option('#code-file', name)
    page.click('#code .cm-content')
    page.keyboard.press('ControlOrMeta+a')
    page.keyboard.insert_text(text)
    expect(page.locator('#code-summary')).to_contain_text(name)


def kept_edits(page):
    """The edits the page keeps in this browser (the editor shows only the lines in view)."""
    return json.loads(page.evaluate("localStorage.getItem('microgpt-code') ?? '{}'"))


IN_EDITOR = "document.activeElement?.shadowRoot?.activeElement?.classList.contains('cm-content') ?? false"


def test_a_key_typed_before_the_modules_come_is_no_error(page, site_url):
    """The editor can open before Python, and with it the modules, is ready: what is typed then is no edit (the
    module shown next replaces it), and no error."""
    errors = []
    page.on('console', lambda m: errors.append(m.text) if m.type == 'error' else None)
    page.on('pageerror', lambda e: errors.append(str(e)))
    page.route('**/pyodide.asm.wasm', lambda route: None)  # Python never loads
    page.goto(site_url)
    page.click('#code-panel > summary')
    page.click('#code .cm-content')
    page.keyboard.type('x')
    expect(page.locator('#code .cm-content')).to_have_text('x')
    expect(page.locator('#code-file')).to_be_disabled()
    assert errors == [] and kept_edits(page) == {}


def test_a_squared_relu_trains_as_the_same_edit_does_natively(app, tmp_path):
    edit(app, 'model.py', SQUARED_RELU)
    expect(app.locator('#code-file option:checked')).to_have_text('model.py (edited)')
    expect(app.locator('#code-summary')).to_have_text('edited: model.py')
    settings(app, steps=30)
    expect(app.locator('#cli-code')).to_contain_text('edited code (model.py)')
    app.click('#train')
    expect(app.locator('#status')).to_have_text(DONE, timeout=120_000)
    folder = edited_package(tmp_path, {'model.py': SQUARED_RELU})
    losses, samples = native(folder, 30)
    assert_same_floats(download_losses(app), losses)
    assert names(app) == samples
    original, _ = native(edited_package(tmp_path / 'original', {}), 30)
    assert losses != original  # the edit changed the numbers
    expect(app.locator('#runs .run.current .run-code')).to_contain_text('Edited code: model.py.')

    # the modified package, downloaded, prints in a terminal what the same edit prints
    with app.expect_download() as info:
        app.click('#code-download')
    assert info.value.suggested_filename == 'microgpt-modified.zip'
    with zipfile.ZipFile(info.value.path()) as z:
        z.extractall(tmp_path / 'zip')
    (unzipped,) = (tmp_path / 'zip').iterdir()
    assert (unzipped / 'microgpt' / 'model.py').read_text() == SQUARED_RELU
    command = [sys.executable, '-m', 'microgpt', '--steps', '30']
    run = lambda cwd: subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=True).stdout  # noqa: E731
    assert run(unzipped) == run(folder)

    # the same settings with the code as installed: the list names the first step where the losses differ
    app.click('#code-restore')
    expect(app.locator('#code-summary')).to_have_text('the package as installed')
    app.click('#train')
    expect(app.locator('#status')).to_have_text(DONE, timeout=120_000)
    assert_same_floats(download_losses(app), original)
    first = next(i for i, (a, b) in enumerate(zip(losses, original)) if a != b) + 1
    expect(app.locator('#runs .run:not(.current) .run-code')).to_contain_text(
        f"Its loss first differs from the installed code's run at step {first}.")


def test_a_checkpoint_records_its_code_and_asks_before_using_it(app, tmp_path):
    edit(app, 'model.py', SQUARED_RELU)
    settings(app, steps=40)
    app.click('#train')
    expect(app.locator('#status')).to_have_text(re.compile(r'^Training: step'), timeout=30_000)
    app.click('#pause')
    expect(app.locator('#status')).to_have_text(PAUSED, timeout=30_000)
    path = tmp_path / 'edited.microgpt.json'
    save_checkpoint(app, path)
    assert json.loads(path.read_text())['sources'] == {'model.py': SQUARED_RELU}
    app.click('#reset')
    app.click('#code-restore')
    open_checkpoint(app, path)
    expect(app.locator('#checkpoint-code-ask')).to_be_visible(timeout=30_000)
    expect(app.locator('#checkpoint-code-text')).to_contain_text('was trained with edited code (model.py)')
    expect(app.locator('#checkpoint-code-diff pre')).to_contain_text('+            x = [xi.relu() ** 2 for xi in x]')
    expect(app.locator('#status')).to_have_attribute('data-phase', 'ready')  # nothing opened before the answer
    app.click('#checkpoint-code-use')
    expect(app.locator('#status')).to_have_text(PAUSED, timeout=30_000)
    expect(app.locator('#code-summary')).to_have_text('edited: model.py')
    app.click('#pause')  # Resume
    expect(app.locator('#status')).to_have_text(DONE, timeout=120_000)
    losses, samples = native(edited_package(tmp_path, {'model.py': SQUARED_RELU}), 40)
    assert_same_floats(download_losses(app), losses)
    assert names(app) == samples


def test_errors_of_the_edit_point_at_its_line_and_restore_brings_back_the_numbers(app):
    broken = MODEL.replace(RELU, '            x = [xi.relu() for xi in x\n')
    edit(app, 'model.py', broken)
    settings(app, steps=20)
    app.click('#train')
    expect(app.locator('#status')).to_have_text(re.compile(r'^Training failed: your edited code failed \(model\.py, '
                                                           r'line \d+\): '), timeout=30_000)
    expect(app.locator('#code-error')).to_be_visible()
    expect(app.locator('#code-traceback')).to_contain_text('microgpt/model.py')
    marked = app.locator('#code .cm-error-line')
    expect(marked).to_have_count(1)
    app.wait_for_timeout(500)  # kept a moment after the last keystroke
    assert kept_edits(app) == {'model.py': broken}  # the edit is kept, to be fixed

    # an error raised while training: the traceback's line in the edited file
    edit(app, 'model.py', MODEL.replace(RELU, '            x = [xi.relu() for xi in y]\n'))
    app.click('#train')
    expect(app.locator('#status')).to_have_text(
        f"Training failed: your edited code failed (model.py, line {RELU_LINE}): NameError: name 'y' is not "
        "defined. The Code panel shows where", timeout=30_000)
    expect(app.locator('#code-traceback')).to_contain_text(f'File "microgpt/model.py", line {RELU_LINE}')
    expect(marked).to_have_text('            x = [xi.relu() for xi in y]')
    expect(app.locator('#restart')).to_be_hidden()  # the user's code, not a broken runtime

    # an edit that breaks the page's own call into the package
    app.click('#code-restore')
    edit(app, 'trainer.py', TRAINER.replace('    def step(self', '    def step_renamed(self'))
    app.click('#train')
    expect(app.locator('#code-error-text')).to_contain_text('The page calls `self.losses.append(trainer.step())`')

    app.click('#code-restore')
    expect(app.locator('#code-summary')).to_have_text('the package as installed')
    app.click('#train')
    expect(app.locator('#status')).to_have_text(DONE, timeout=60_000)
    expect(app.locator('#code-error')).to_be_hidden()
    assert_native(app, Config(steps=20))


def test_stop_ends_a_step_that_never_returns(app):
    looping = TRAINER.replace('    def step(self):\n', '    def step(self):\n        while self.steps_done == 25:\n'
                              '            pass\n')
    assert looping != TRAINER
    edit(app, 'trainer.py', looping)
    settings(app, steps=100)
    app.click('#train')
    for _ in range(300):  # until it loops
        if int(app.get_attribute('#status', 'data-step')) >= 24:
            break
        app.wait_for_timeout(100)
    expect(app.locator('#runs .run')).to_have_count(1, timeout=10_000)  # saved at its first steps
    app.wait_for_timeout(500)
    started = time.monotonic()
    app.click('#stop')
    expect(app.locator('#status')).to_have_text(re.compile(
        r'^Python did not answer within 2 s \(your edited code may loop\), so the page restarted it; '
        r'the run is back at its last save, paused at step \d+ of 100\.'), timeout=5_000)
    print(f'Stop to a usable page: {time.monotonic() - started:.1f} s')
    expect(app.locator('#code-summary')).to_have_text('edited: trainer.py')  # the edits are kept
    expect(app.locator('#train')).to_be_disabled()
    app.click('#reset')
    app.click('#code-restore')
    settings(app, steps=20)
    app.click('#train')
    expect(app.locator('#status')).to_have_text(DONE, timeout=60_000)
    assert_native(app, Config(steps=20))


def test_edits_survive_a_reload_and_never_travel_in_a_link(app):
    edit(app, 'model.py', SQUARED_RELU)
    app.wait_for_timeout(500)  # kept a moment after the last keystroke
    settings(app, steps=7)
    assert re.fullmatch(r'#[\w=&.-]*', app.evaluate('location.hash'))  # settings only: no code in the link
    assert 'relu' not in app.url
    app.reload()
    expect(app.locator('#code-summary')).to_have_text('edited: model.py', timeout=60_000)
    open_code(app)
    expect(app.locator('#code-file option:checked')).to_have_text('model.py (edited)')
    assert kept_edits(app) == {'model.py': SQUARED_RELU}
    app.click('#code-diff')  # the one changed line, against the installed module
    app.click('#code .cm-content')
    app.keyboard.press('ControlOrMeta+End')  # the editor draws the lines in view: the edit is near the end
    expect(app.locator('#code .cm-changedLine')).to_have_text('            x = [xi.relu() ** 2 for xi in x]')
    expect(app.locator('#code .cm-deletedChunk')).to_have_text('            x = [xi.relu() for xi in x]')


def test_the_code_panel_on_a_phone_with_a_keyboard(app):
    app.set_viewport_size({'width': 375, 'height': 800})
    app.focus('#code-panel > summary')
    app.keyboard.press('Enter')
    expect(app.locator('#code .cm-content')).to_be_visible(timeout=30_000)
    expect(app.locator('#code .cm-content')).to_have_attribute('aria-label', re.compile('Python'))
    app.focus('#code-file')
    app.keyboard.press('Tab')  # through the buttons to the editor
    for _ in range(10):
        if app.evaluate(IN_EDITOR):
            break
        app.keyboard.press('Tab')
    assert app.evaluate(IN_EDITOR)
    app.keyboard.press('ControlOrMeta+End')
    app.keyboard.type('\n# a note\n')
    expect(app.locator('#code-summary')).to_have_text('edited: model.py')
    app.keyboard.press('Tab')  # Tab leaves the editor: a keyboard is never trapped in it
    assert not app.evaluate(IN_EDITOR)
    assert app.evaluate('document.documentElement.scrollWidth') <= 375
    assert editor_violations(app) == []
    app.set_viewport_size({'width': 1280, 'height': 900})
    assert editor_violations(app) == []


def editor_violations(page):
    """axe-core's findings, but one: it counts CodeMirror's scroller as a region a keyboard cannot scroll, not seeing
    the editable text inside it, which takes focus and scrolls it with the caret (tested above)."""
    return [v for v in axe_violations(page)
            if not v.startswith('scrollable-region-focusable: 1 × .code-editor,.cm-scroller ')]


def test_a_large_model_is_not_taken_for_a_stuck_one(app):
    # 1 layer x 128: 205,000 parameters, a step of seconds here; a Pause during the first one waits for it
    settings(app, n_embd=128, steps=3)
    app.click('#train')
    app.click('#pause')
    expect(app.locator('#status')).to_have_text('Paused at step 1 of 3.', timeout=60_000)
    app.click('#pause')  # Resume
    expect(app.locator('#status')).to_have_text(DONE, timeout=120_000)


def test_training_while_the_code_question_is_open_withdraws_it(app, tmp_path):
    edit(app, 'model.py', SQUARED_RELU)
    settings(app, steps=5)
    app.click('#train')
    expect(app.locator('#status')).to_have_text(DONE, timeout=60_000)
    path = tmp_path / 'edited.microgpt.json'
    save_checkpoint(app, path)
    app.click('#code-restore')
    open_checkpoint(app, path)
    expect(app.locator('#checkpoint-code-ask')).to_be_visible(timeout=30_000)
    app.click('#train')
    expect(app.locator('#checkpoint-code-ask')).to_be_hidden()
    expect(app.locator('#status')).to_have_text(DONE, timeout=60_000)
    assert kept_edits(app) == {}  # the question's code was not taken
    assert_native(app, Config(steps=5))


def test_downloading_the_package_leaves_the_run_on_screen_as_it_is(app, tmp_path):
    settings(app, steps=10)
    app.click('#train')
    expect(app.locator('#status')).to_have_text(DONE, timeout=60_000)
    inspect_py = (ROOT / 'microgpt' / 'inspect.py').read_text()
    edit(app, 'inspect.py', inspect_py.replace('def read(model, tokens', 'def read(model, tokens, broken=1/0'))
    with app.expect_download():
        app.click('#code-download')
    app.fill('#inspect-text', 'ann')  # the views of the run on screen, made with the installed inspect.py
    expect(app.locator('#next-token .token').first).to_be_visible(timeout=30_000)
    expect(app.locator('#inspect-error')).to_be_hidden()


def test_a_checkpoint_of_the_installed_code_opens_with_it_whatever_the_edits(app, tmp_path):
    settings(app, steps=30)
    app.click('#train')
    expect(app.locator('#status')).to_have_text(DONE, timeout=60_000)
    path = tmp_path / 'installed.microgpt.json'
    save_checkpoint(app, path)
    assert 'sources' not in json.loads(path.read_text())
    edit(app, 'model.py', SQUARED_RELU)
    open_checkpoint(app, path)
    expect(app.locator('#status')).to_contain_text('It runs the installed code, as it was trained; your edits are '
                                                   'for the next Train.', timeout=30_000)
    expect(app.locator('#runs .run.current .run-code')).to_have_count(0)
