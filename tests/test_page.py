"""The real page in a real Chromium: it trains in its worker and gets the numbers the core gets natively."""

import re
import time

import pytest
from playwright.sync_api import expect

from conftest import DONE, READY, ROOT, assert_same_floats, golden
from microgpt import Config, Trainer, builtin_names, documents

def settings(page, **values):
    open_settings(page)
    for key, value in values.items():
        page.fill(f"#{key.replace('_', '-')}", str(value))


def open_settings(page):
    """The settings are folded away under their heading: open them (once) to type in them."""
    if page.locator('#settings-panel').get_attribute('open') is None:
        page.click('#settings-panel > summary')


def names(page):
    return page.locator('#names .name').all_text_contents()


def download_losses(page, name=None):
    with page.expect_download() as info:
        page.click('#download-losses')
    assert name is None or info.value.suggested_filename == name
    lines = open(info.value.path(), encoding='utf-8').read().splitlines()
    assert lines[0] == 'step,loss'
    rows = [line.split(',') for line in lines[1:]]
    assert [int(step) for step, _ in rows] == list(range(1, len(rows) + 1))
    return [float(loss) for _, loss in rows]


def native(config, docs=None):
    trainer = Trainer(config, docs or documents(builtin_names()))
    losses = [trainer.step() for _ in range(config.steps)]
    return losses, trainer.final_samples()


def assert_native(page, config, docs=None):
    """The page's finished run has the native core's losses, bit for bit, and its names."""
    losses, samples = native(config, docs)
    assert_same_floats(download_losses(page), losses)
    assert names(page) == samples


def watch_main_thread(page):
    """From now on, measure the longest wait of a 10 ms timer on the page's main thread (main_thread_gap)."""
    page.evaluate("""() => {
        window.maxGap = 0;
        let last = performance.now();
        setInterval(() => {
            const now = performance.now();
            window.maxGap = Math.max(window.maxGap, now - last);
            last = now;
        }, 10);
    }""")


def main_thread_gap(page):
    """The longest a 10 ms timer waited since watch_main_thread(), in ms."""
    return page.evaluate('window.maxGap')


def test_ready_with_the_defaults(app):
    assert app.input_value('#steps') == '1000' and app.input_value('#learning-rate') == '0.01'
    expect(app.locator('#cli-command')).to_have_text('python -m microgpt')
    expect(app.locator('#dataset-info')).to_have_text(
        'Built-in names (names.txt): 32,033 documents, vocabulary of 27, 4,192 parameters.')
    expect(app.locator('#train')).to_be_enabled()


def test_50_steps_give_the_native_losses_and_names(app):
    settings(app, steps=50)
    expect(app.locator('#cli-command')).to_have_text('python -m microgpt --steps 50')
    app.click('#train')
    expect(app.locator('#status')).to_have_text(DONE, timeout=120_000)
    losses, samples = native(Config(steps=50))
    assert_same_floats(download_losses(app, 'names-s42-1x16-step50of50.losses.csv'), losses)
    assert names(app) == samples
    expect(app.locator('#names-caption')).to_have_text('Final samples after 50 steps (temperature 0.5)')


@pytest.mark.slow
def test_the_default_run_is_the_reference_run(app):
    g = golden('default')
    app.click('#train')
    expect(app.locator('#status')).to_have_text(DONE, timeout=900_000)
    assert_same_floats(download_losses(app), g['trace'])
    assert names(app) == g['samples']
    assert names(app)[0] == 'kamon' and names(app)[-1] == 'anton'


def test_pause_generate_resume_continues_the_same_trace(app):
    settings(app, steps=300, seed=3, samples=4)
    app.click('#train')
    expect(app.locator('#status')).to_have_text(re.compile(r'^Training: step \d+ / 300'), timeout=30_000)
    app.click('#pause')
    expect(app.locator('#status')).to_have_text(re.compile(r'^Paused at step \d+ of 300\.$'))
    paused = app.text_content('#status')
    app.wait_for_timeout(1000)
    assert app.text_content('#status') == paused  # no progress while paused
    expect(app.locator('#pause')).to_have_text('Resume')
    app.click('#generate')  # names from the paused weights, drawn without touching the run's generator
    expect(app.locator('#names-caption')).to_have_text(re.compile(r'^Generated now at step \d+ \(temperature 0\.5\)$'))
    expect(app.locator('#names .name')).to_have_count(4)
    app.click('#pause')
    expect(app.locator('#status')).to_have_text(DONE, timeout=120_000)
    assert_native(app, Config(steps=300, seed=3, samples=4))


def test_stop_then_generate_then_reset(app):
    settings(app, steps=500, samples=7)
    app.click('#train')
    expect(app.locator('#status')).to_have_text(re.compile(r'^Training: step \d+ / 500'), timeout=30_000)
    app.click('#stop')
    expect(app.locator('#status')).to_have_text(re.compile(r'^Stopped at step (\d+) of 500\.$'))
    step = int(re.search(r'step (\d+)', app.text_content('#status')).group(1))
    assert 0 < step < 500
    app.wait_for_timeout(500)
    assert len(download_losses(app)) == step  # nothing trained after the stop
    app.click('#generate')
    expect(app.locator('#names-caption')).to_have_text(f'Generated now at step {step} (temperature 0.5)')
    expect(app.locator('#names .name')).to_have_count(7)
    app.click('#reset')
    expect(app.locator('#status')).to_have_text('Ready.')
    expect(app.locator('#names .name')).to_have_count(0)
    for button in ('#pause', '#stop', '#reset', '#generate', '#download-losses'):
        expect(app.locator(button)).to_be_disabled()
    expect(app.locator('#train')).to_be_enabled()


def test_one_generate_at_a_time_and_stop_is_never_held_up_by_it(app):
    settings(app, steps=1000, samples=500)
    app.click('#train')
    expect(app.locator('#status')).to_have_text(re.compile(r'^Training: step \d+ / 1000'), timeout=30_000)
    for _ in range(3):  # the repeats do nothing while the first is drawn
        app.click('#generate')
    expect(app.locator('#generate')).to_have_text('Generating…')
    expect(app.locator('#generate')).to_have_attribute('aria-busy', 'true')
    started = time.monotonic()
    app.click('#stop')
    expect(app.locator('#status')).to_have_text(re.compile(r'^Stopped at step \d+ of 1000\.$'), timeout=5_000)
    assert time.monotonic() - started < 2  # between two parts of the names, not after all 500 (or 1,500)
    expect(app.locator('#names .name')).to_have_count(500, timeout=60_000)
    expect(app.locator('#generate')).to_have_text('Generate now')


@pytest.mark.parametrize('field, value, message', [
    ('n-embd', '10', 'Must be a multiple of the number of heads (4).'),
    ('steps', '0', 'Must be from 1 to 1,000,000.'),
    ('steps', '2.5', 'Enter a whole number.'),
    ('temperature', '0', 'Must be greater than 0.'),
    ('learning-rate', 'fast', 'Enter a number, such as 0.01.'),
])
def test_an_invalid_setting_blocks_train(app, field, value, message):
    open_settings(app)
    app.fill(f'#{field}', value)
    expect(app.locator(f'#{field}-error')).to_have_text(message)
    expect(app.locator(f'#{field}')).to_have_attribute('aria-invalid', 'true')
    expect(app.locator('#train')).to_be_disabled()
    app.fill(f'#{field}', '16' if field == 'n-embd' else '1')
    expect(app.locator('#train')).to_be_enabled()


def test_settings_live_in_the_url_hash(page, site_url):
    page.goto(site_url + '#steps=30&seed=7&temperature=0.8&n-embd=8&n-head=2')
    assert page.input_value('#seed') == '7' and page.input_value('#n-embd') == '8'
    expect(page.locator('#cli-command')).to_have_text(
        'python -m microgpt --steps 30 --seed 7 --temperature 0.8 --n-embd 8 --n-head 2')
    open_settings(page)
    page.fill('#samples', '5')
    expect(page).to_have_url(site_url + '#steps=30&seed=7&temperature=0.8&samples=5&n-embd=8&n-head=2')
    page.fill('#samples', '20')
    page.fill('#n-embd', '16')
    page.fill('#n-head', '4')
    expect(page).to_have_url(site_url + '#steps=30&seed=7&temperature=0.8')


@pytest.mark.parametrize('content, message', [
    (b'', 'no non-blank lines'),
    (b'\n  \n', 'no non-blank lines'),
    (b'zo\xe9\n', 'not UTF-8 text (invalid byte 0xe9 at offset 2)'),
    (b'ab\x00cd', 'not a text file'),
])
def test_a_bad_dataset_is_refused_and_the_page_keeps_working(app, content, message):
    app.set_input_files('#dataset-file', files=[{'name': 'bad.txt', 'mimeType': 'text/plain', 'buffer': content}])
    expect(app.locator('#dataset-error')).to_contain_text('bad.txt: the dataset ')
    expect(app.locator('#dataset-error')).to_contain_text(message)
    expect(app.locator('#dataset-error')).to_contain_text('The dataset in use is unchanged.')
    expect(app.locator('#dataset-info')).to_contain_text('Built-in names (names.txt): 32,033 documents')
    for control in ('#train', '#dataset-file'):  # at once, not at the next change of the settings
        expect(app.locator(control)).to_be_enabled()
    app.click('#train')
    expect(app.locator('#status')).to_have_text(re.compile(r'^Training: '))


def test_a_dataset_over_50_mb_is_refused(app, tmp_path):
    huge = tmp_path / 'huge.txt'
    huge.write_bytes(b'a\n' * (26 * 1024 * 1024))
    app.set_input_files('#dataset-file', huge)
    expect(app.locator('#dataset-error')).to_contain_text('huge.txt is 52.0 MB; the limit is 50 MB.')
    expect(app.locator('#dataset-info')).to_contain_text('32,033 documents')


def test_an_html_dataset_is_only_ever_text(app):
    lines = ['<img src=x onerror="window.pwned=1">', '<script>window.pwned=2</script>', '<b onmouseover=alert(1)>b</b>']
    data = '\n'.join(lines).encode()
    app.set_input_files('#dataset-file', files=[{'name': 'evil <b>.txt', 'mimeType': 'text/plain', 'buffer': data}])
    expect(app.locator('#dataset-info')).to_contain_text('evil <b>.txt: 3 documents')
    expect(app.locator('#cli-command')).to_have_text("python -m microgpt --input 'evil <b>.txt'")
    settings(app, steps=40, samples=12, temperature=1)
    app.click('#train')
    expect(app.locator('#status')).to_have_text(DONE, timeout=60_000)
    losses, samples = native(Config(steps=40, samples=12, temperature=1.0), documents(data))
    assert names(app) == samples
    assert any('<' in name or '>' in name for name in samples)  # the names do carry markup characters...
    assert app.locator('#names img, #names script, #names b').count() == 0  # ...shown as text only
    assert app.evaluate('window.pwned') is None
    assert_same_floats(download_losses(app), losses)


def test_the_main_thread_stays_responsive_while_training(app):
    """A 10 ms timer never waits 100 ms while the run trains with every view live (the chart, the names, inside the
    model). Measured once the views have drawn: their first draw asks the browser for fonts it has not used yet, and
    headless Chromium on Linux answers that from fontconfig, on this machine in up to half a second now and then
    (traced: FontCache::GetFontPlatformData), the old page's chart and names included."""
    settings(app, steps=300)
    app.click('#train')
    expect(app.locator('#next-token .token')).to_have_count(27, timeout=30_000)
    expect(app.locator('#embeddings .point')).to_have_count(27)
    watch_main_thread(app)
    expect(app.locator('#status')).to_have_text(DONE, timeout=120_000)
    gap = main_thread_gap(app)
    assert 0 < gap < 100, f"a main-thread timer waited {gap:.0f} ms"


def test_a_python_error_is_shown_and_python_restarts_without_a_reload(page, site_url):
    session = (ROOT / 'site' / 'session.py').read_text()
    broken = session.replace('    def start(self, config):\n',
                             '    def start(self, config):\n        raise RuntimeError("the session broke")\n')
    assert broken != session
    page.route('**/session.py', lambda route: route.fulfill(body=broken, content_type='text/x-python'))
    page.goto(site_url)
    expect(page.locator('#status')).to_have_text(READY, timeout=60_000)
    expect(page.locator('#train')).to_be_enabled(timeout=30_000)
    settings(page, steps=3)
    page.click('#train')
    expect(page.locator('#status')).to_have_text('Training failed: RuntimeError: the session broke')
    expect(page.locator('#restart')).to_be_visible()
    page.unroute('**/session.py')
    page.click('#restart')
    expect(page.locator('#status')).to_have_text(READY, timeout=60_000)
    expect(page.locator('#restart')).to_be_hidden()
    assert page.input_value('#steps') == '3'  # the settings survive the restart
    expect(page.locator('#train')).to_be_enabled(timeout=30_000)
    page.click('#train')
    expect(page.locator('#status')).to_have_text(DONE, timeout=60_000)


def test_replies_about_a_reset_run_are_dropped(app):
    settings(app, steps=300)
    app.click('#train')
    app.click('#reset')  # before the worker has even started the run
    expect(app.locator('#status')).to_have_text('Ready.')
    settings(app, steps=20, seed=5)
    app.click('#train')
    app.click('#reset')
    settings(app, steps=30, seed=9)
    app.click('#train')
    expect(app.locator('#status')).to_have_text(DONE, timeout=60_000)
    app.wait_for_timeout(500)  # any late reply about the reset runs would land now
    expect(app.locator('#status')).to_have_text(DONE)
    assert_native(app, Config(steps=30, seed=9))


def test_a_new_dataset_clears_the_previous_run(app):
    settings(app, steps=5)
    app.click('#train')
    expect(app.locator('#status')).to_have_text(DONE, timeout=60_000)
    app.set_input_files('#dataset-file', files=[{'name': 'pets.txt', 'mimeType': 'text/plain',
                                                 'buffer': b'rex\nfido\nmittens\n'}])
    expect(app.locator('#dataset-info')).to_contain_text('pets.txt: 3 documents')
    expect(app.locator('#status')).to_have_text('Ready.')
    expect(app.locator('#names .name')).to_have_count(0)
    for button in ('#generate', '#download-losses', '#reset'):
        expect(app.locator(button)).to_be_disabled()
    expect(app.locator('#cli-command')).to_have_text('python -m microgpt --input pets.txt --steps 5')
    app.click('#dataset-builtin')
    expect(app.locator('#dataset-info')).to_contain_text('Built-in names (names.txt): 32,033 documents')
    assert app.input_value('#dataset-file') == ''  # the picker no longer names pets.txt, and can pick it again
    expect(app.locator('#cli-command')).to_have_text('python -m microgpt --steps 5')


def test_a_diverging_run_says_what_to_change(app):
    settings(app, steps=40, learning_rate=10000)
    app.click('#train')
    expect(app.locator('#status')).to_have_text(
        re.compile(r'^Training stopped: training diverged at step \d+ \(.+\): try a lower learning rate$'),
        timeout=60_000)
    expect(app.locator('#restart')).to_be_hidden()  # the user's settings, not a broken runtime
    expect(app.locator('#train')).to_be_enabled()


def test_a_temperature_too_low_to_sample_at_is_explained_by_the_names(app):
    settings(app, steps=3)
    app.click('#train')
    expect(app.locator('#status')).to_have_text(DONE, timeout=60_000)
    done = app.text_content('#status')
    settings(app, temperature='1e-320')
    app.click('#generate')
    expect(app.locator('#names-error')).to_have_text(re.compile(
        r'^Could not generate names: sampling at temperature 1e-320 failed .*: try a higher temperature'))
    expect(app.locator('#status')).to_have_text(done)  # the run's summary stays
    expect(app.locator('#restart')).to_be_hidden()
    settings(app, temperature='0.9')
    app.click('#generate')
    expect(app.locator('#names-caption')).to_have_text('Generated now at step 3 (temperature 0.9)')
    expect(app.locator('#names-error')).to_be_hidden()


def test_a_missing_runtime_file_is_reported_not_waited_for(page, site_url):
    # Pyodide itself never settles without its WebAssembly; the worker asks the server and names the missing file
    page.route('**/pyodide.asm.wasm', lambda route: route.fulfill(status=404, body='not found'))
    page.goto(site_url)
    expect(page.locator('#status')).to_have_text(re.compile(
        r'^Could not load the Python runtime: pyodide\.asm\.wasm is missing from the site \(HTTP 404\)\. '
        r'Press “Restart Python”'), timeout=30_000)
    page.unroute('**/pyodide.asm.wasm')
    page.click('#restart')
    expect(page.locator('#status')).to_have_text(READY, timeout=60_000)


def test_keyboard_focus_follows_the_buttons(app):
    settings(app, steps=2000)
    app.focus('#train')
    app.keyboard.press('Enter')  # Train disables itself: focus moves on instead of falling to the page
    expect(app.locator('#pause')).to_be_focused()
    app.keyboard.press('Tab')
    expect(app.locator('#stop')).to_be_focused()
    app.keyboard.press('Enter')
    expect(app.locator('#status')).to_have_text(re.compile(r'^Stopped at step \d+ of 2000\.$'), timeout=30_000)
    expect(app.locator('#train')).to_be_focused()


def test_a_dataset_of_thousands_of_characters_trains(app):
    # 3,000 distinct characters: the output layer's bound applies, and the graph once overflowed the worker's stack
    data = '\n'.join(''.join(chr(0x4e00 + (7 * i + 13 * j) % 3000) for j in range(5)) for i in range(1200)).encode()
    app.set_input_files('#dataset-file', files=[{'name': 'hanzi.txt', 'mimeType': 'text/plain', 'buffer': data}])
    expect(app.locator('#dataset-info')).to_contain_text('hanzi.txt: 1,200 documents, vocabulary of 3,001')
    settings(app, n_embd=32, block_size=64, steps=3, samples=3)
    expect(app.locator('#block-size-error')).to_contain_text('vocabulary (3,001) × embedding size × block size')
    expect(app.locator('#train')).to_be_disabled()
    settings(app, n_embd=16, block_size=16)
    app.click('#train')
    expect(app.locator('#status')).to_have_text(DONE, timeout=120_000)
    assert_native(app, Config(steps=3, samples=3), documents(data))
