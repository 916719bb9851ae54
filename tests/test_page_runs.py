"""Keep your work, in the real page under a sub-path: checkpoints that move between the page and the terminal, a run
that survives a reload, the kept runs, storage that fails, and the site offline. The oracle is the reference's golden
output and the native core."""

import json
import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from conftest import DONE, READY, ROOT, assert_same_floats, cli_args, golden
from test_page import assert_native, download_losses, names, settings
from microgpt import Config, documents

PAUSED = re.compile(r'^(Paused at|Opened .*: paused at) step (\d+) of (\d+)\.')


def cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, '-m', 'microgpt', *map(str, args)], cwd=cwd, capture_output=True,
                          timeout=600, env={'PYTHONPATH': str(ROOT), 'PATH': '/usr/bin:/bin'})


def paused_step(page):
    expect(page.locator('#status')).to_have_text(PAUSED, timeout=60_000)
    return int(PAUSED.match(page.text_content('#status')).group(2))


def save_checkpoint(page, path):
    with page.expect_download() as info:
        page.click('#save-checkpoint')
    info.value.save_as(path)
    return info.value.suggested_filename


def open_checkpoint(page, path):
    page.set_input_files('#open-checkpoint', path)


def golden_tail(g, step):
    """The golden stdout of a run resumed after `step`: its three header lines, then everything after step `step`."""
    out = g['stdout']
    header = b''.join(out.split(b'\n', 3)[i] + b'\n' for i in range(3))
    start = out.index(f"step {step:4d} / ".encode())
    return header + out[out.index(b'\r', start) + 1:]


def test_a_checkpoint_saved_in_the_page_continues_in_the_terminal(app, tmp_path):
    g = golden('default')
    app.click('#train')
    expect(app.locator('#status')).to_have_text(re.compile(r'^Training: step \d+'), timeout=30_000)
    app.wait_for_timeout(1500)
    app.click('#pause')
    step = paused_step(app)
    assert 0 < step < 1000
    name = save_checkpoint(app, tmp_path / 'page.microgpt.json')
    assert name == f'names-s42-1x16-step{step}of1000.microgpt.json'
    saved = json.loads((tmp_path / 'page.microgpt.json').read_text())
    assert saved['dataset']['builtin'] is True and saved['python'].startswith('CPython 3.14')  # made by Pyodide
    assert_same_floats(saved['losses'], g['trace'][:step])
    out = cli('--resume', tmp_path / 'page.microgpt.json')
    assert out.returncode == 0, out.stderr
    assert out.stdout == golden_tail(g, step)


def test_a_terminal_checkpoint_opens_in_the_page_and_finishes_the_golden_run(app, tmp_path):
    g = golden('variant-small')
    path = tmp_path / 'cli.microgpt.json'
    out = cli(*cli_args(g['flags']), '--until', 12, '--save', path)
    assert out.returncode == 0, out.stderr
    opened = 'Opened cli.microgpt.json: paused at step 12 of 30. Resume continues it.'
    open_checkpoint(app, path)
    expect(app.locator('#status')).to_have_text(opened)
    open_checkpoint(app, path)  # the same file again is the same kept run, not a second copy in the list
    expect(app.locator('#status')).to_have_text(opened)
    expect(app.locator('#runs .run')).to_have_count(1)
    expect(app.locator('#status')).to_have_attribute('data-phase', 'paused')
    assert app.input_value('#seed') == '7' and app.input_value('#n-embd') == '8'  # the checkpoint's settings
    expect(app.locator('#cli-command')).to_have_text(re.compile(r'^python -m microgpt --steps 30 --seed 7 '))
    params = int(re.search(rb'num params: (\d+)', g['stdout']).group(1))
    expect(app.locator('#dataset-info')).to_contain_text(f'32,033 documents, vocabulary of 27, {params:,} parameters.')
    assert_same_floats(download_losses(app), g['trace'][:12])  # the history came with it
    app.click('#pause')  # Resume
    expect(app.locator('#status')).to_have_text(DONE, timeout=60_000)
    assert_same_floats(download_losses(app), g['trace'])
    assert names(app) == g['samples']


@pytest.mark.slow
def test_a_reload_in_the_middle_of_the_default_run_loses_nothing(app):
    g = golden('default')
    app.click('#train')
    expect(app.locator('#status')).to_have_attribute('data-step', re.compile(r'^([3-9]\d\d)$'), timeout=120_000)
    status = app.locator('#status')
    reached, seconds = int(status.get_attribute('data-step')), float(status.get_attribute('data-seconds'))
    app.reload()
    step = paused_step(app)
    assert step >= reached - 6 * reached / seconds  # autosaved every 5 s: at most a few seconds of training lost
    expect(app.locator('#status')).to_have_text(re.compile(r'^Opened your last run: paused at step'))
    expect(app.locator('#runs .run.current')).to_have_count(1)
    assert_same_floats(download_losses(app), g['trace'][:step])
    app.click('#pause')
    expect(app.locator('#status')).to_have_text(DONE, timeout=900_000)
    assert_same_floats(download_losses(app), g['trace'])
    assert names(app) == g['samples'] and names(app)[0] == 'kamon' and names(app)[-1] == 'anton'


def test_a_finished_run_is_restored_with_its_names_and_kept_in_the_list(app):
    settings(app, steps=20, seed=3)
    app.click('#train')
    expect(app.locator('#status')).to_have_text(DONE, timeout=60_000)
    final = names(app)
    expect(app.locator('#runs .run')).to_have_count(1, timeout=10_000)
    app.reload()
    expect(app.locator('#status')).to_have_text('Reopened your last run: done, 20 steps.', timeout=60_000)
    assert names(app) == final
    expect(app.locator('#names-caption')).to_have_text('Final samples after 20 steps (temperature 0.5)')
    # a second run: both are kept, the new one on screen
    settings(app, steps=10, seed=4)
    app.click('#train')
    expect(app.locator('#status')).to_have_text(DONE, timeout=60_000)
    runs = app.locator('#runs .run')
    expect(runs).to_have_count(2, timeout=10_000)
    assert json.loads(runs.nth(0).get_attribute('data-config')) == {
        'steps': 10, 'seed': 4, 'learning-rate': 0.01, 'temperature': 0.5, 'samples': 20, 'n-layer': 1, 'n-embd': 16,
        'n-head': 4, 'block-size': 16}
    assert json.loads(runs.nth(1).get_attribute('data-config'))['seed'] == 3
    expect(runs.nth(0)).to_have_class(re.compile(r'\bcurrent\b'))
    # the older one on the chart beside the current one, then reopened, then the newer one deleted
    runs.nth(1).locator('.compare-run').check()
    expect(app.locator('#loss-chart .u-legend')).to_contain_text('names.txt, seed 3, learning rate 0.01, 1×16')
    expect(runs.nth(1).locator('.compare-run')).to_be_focused()  # the list was drawn anew: focus stays on the box
    runs.nth(1).locator('.open-run').focus()
    app.keyboard.press('Enter')
    expect(app.locator('#status')).to_have_text(
        'Reopened names.txt, seed 3, learning rate 0.01, 1×16: done, 20 steps.')
    assert names(app) == final and app.input_value('#seed') == '3'
    expect(runs.nth(1).locator('.download-checkpoint')).to_be_focused()  # its Open is disabled now: the next control
    runs.nth(0).locator('.delete-run').click()
    expect(app.locator('#runs .run')).to_have_count(1)
    expect(app.locator('#runs .run.current')).to_have_count(1)


def test_settings_edited_after_a_run_are_for_the_next_run(app):
    settings(app, steps=5)
    app.click('#train')
    expect(app.locator('#status')).to_have_text(DONE, timeout=60_000)
    url = app.url
    settings(app, seed=9, learning_rate=0.02)
    expect(app.locator('#settings-edited')).to_be_visible()
    expect(app.locator('#settings-edited')).to_contain_text('Edited (seed, learning rate): these settings apply to '
                                                            'the next run')
    expect(app.locator('#cli-command')).to_have_text('python -m microgpt --steps 5')  # the run on screen
    assert app.url == url
    app.click('#train')
    expect(app.locator('#settings-edited')).to_be_hidden()
    expect(app.locator('#cli-command')).to_have_text('python -m microgpt --steps 5 --seed 9 --learning-rate 0.02')


def test_a_checkpoint_of_another_dataset_asks_for_that_file(app, tmp_path):
    pets = tmp_path / 'pets.txt'
    pets.write_bytes(b'rex\nfido\nmittens\nfelix\n')
    path = tmp_path / 'pets.microgpt.json'
    out = cli('--input', pets, '--steps', 8, '--until', 3, '--save', path)
    assert out.returncode == 0, out.stderr
    open_checkpoint(app, path)
    expect(app.locator('#checkpoint-ask-text')).to_have_text(
        'Trained on pets.txt (4 documents), not on the dataset in use: pick that file to open pets.microgpt.json.')
    expect(app.locator('#checkpoint-dataset')).to_be_focused()
    other = tmp_path / 'other.txt'
    other.write_bytes(b'rex\nfido\n')
    app.set_input_files('#checkpoint-dataset', other)
    expect(app.locator('#checkpoint-ask-text')).to_have_text(
        'other.txt is not the file it was trained on (its documents differ). Trained on pets.txt (4 documents), not '
        'on the dataset in use: pick that file to open pets.microgpt.json.')
    expect(app.locator('#dataset-info')).to_contain_text('Built-in names')  # nothing changed meanwhile
    app.set_input_files('#checkpoint-dataset', pets)
    expect(app.locator('#status')).to_have_text(re.compile(r'^Opened pets\.microgpt\.json: paused at step 3 of 8'))
    expect(app.locator('#cli-command')).to_have_text('python -m microgpt --input pets.txt --steps 8')
    app.click('#pause')
    expect(app.locator('#status')).to_have_text(DONE, timeout=60_000)
    assert_native(app, Config(steps=8), documents(pets.read_bytes()))


def bad_files(tmp_path):
    good = tmp_path / 'good.microgpt.json'
    assert cli('--steps', 4, '--until', 2, '--save', good).returncode == 0
    text = good.read_text()
    state = json.loads(text)
    huge = json.loads(text)
    huge['state']['config'].update(n_layer=8, n_embd=256)
    endless = json.loads(text)
    endless['state']['config']['samples'] = 10 ** 8  # would sample for hours at the end, past any Stop
    old = dict(state, version=0)
    return {
        'truncated': (text[:len(text) // 2], 'the file is not JSON'),
        'not json': ('<html><script>window.pwned=1</script></html>', 'the file is not JSON'),
        'another json': ('{"name": "package.json", "version": "1.0.0"}', 'not a microgpt checkpoint'),
        'old format': (json.dumps(old), 'version 0'),
        'huge model': (json.dumps(huge), 'the model is too large'),
        'endless samples': (json.dumps(endless), 'samples is 100,000,000; a browser tab takes 1 to 500'),
        'deep': ('[' * 5000 + ']' * 5000, 'checkpoint'),
    }


def test_bad_checkpoint_files_are_refused_and_the_run_goes_on(app, tmp_path):
    settings(app, steps=400, seed=5)
    app.click('#train')
    expect(app.locator('#status')).to_have_text(re.compile(r'^Training: step \d+'), timeout=30_000)
    app.click('#pause')
    step = paused_step(app)
    for name, (content, message) in bad_files(tmp_path).items():
        path = tmp_path / f'{name}.microgpt.json'
        path.write_text(content)
        open_checkpoint(app, path)
        expect(app.locator('#runs-error')).to_contain_text(f'Could not open {name}.microgpt.json: ')
        expect(app.locator('#runs-error')).to_contain_text(message)
        expect(app.locator('#runs-error')).to_contain_text('The run on screen is unchanged.')
        assert len(app.text_content('#runs-error')) < 400
        expect(app.locator('#status')).to_have_text(f'Paused at step {step} of 400.')
    assert app.evaluate('window.pwned') is None
    app.click('#pause')
    expect(app.locator('#status')).to_have_text(DONE, timeout=60_000)
    assert_native(app, Config(steps=400, seed=5))


def test_a_corrupted_autosave_is_reported_and_the_page_works(app):
    settings(app, steps=300)
    app.click('#train')
    expect(app.locator('#status')).to_have_text(re.compile(r'^Training: step \d+'), timeout=30_000)
    app.click('#pause')
    step = paused_step(app)
    # the list line shows the pause's own save once it is stored: corrupting earlier, that save would overwrite it
    expect(app.locator('#runs .run')).to_have_count(1, timeout=10_000)
    expect(app.locator('#runs .run')).to_contain_text(f'step {step} of 300', timeout=10_000)
    app.evaluate("""() => new Promise((resolve, reject) => {
        const open = indexedDB.open('microgpt');
        open.onsuccess = () => {
            const db = open.result;
            const tx = db.transaction(['meta', 'checkpoints'], 'readwrite');
            tx.objectStore('meta').get('current').onsuccess = (e) => {
                const cut = new TextEncoder().encode('{"format": "microgpt-checkpoint", "vers').buffer;
                tx.objectStore('checkpoints').put(cut, e.target.result);
            };
            tx.oncomplete = () => { db.close(); resolve(); };
            tx.onerror = () => reject(tx.error);
        };
    })""")
    app.reload()
    expect(app.locator('#runs-error')).to_contain_text('Your last run could not be restored: ', timeout=60_000)
    expect(app.locator('#status')).to_have_attribute('data-phase', 'ready')
    settings(app, steps=20)
    app.click('#train')
    expect(app.locator('#status')).to_have_text(DONE, timeout=60_000)


def test_a_full_storage_says_so_and_training_goes_on(app):
    cdp = app.context.new_cdp_session(app)
    origin = re.match(r'^https?://[^/]+', app.url).group(0)
    cdp.send('Storage.overrideQuotaForOrigin', {'origin': origin, 'quotaSize': 1})
    settings(app, steps=60)
    app.click('#train')
    expect(app.locator('#status')).to_have_text(DONE, timeout=60_000)
    expect(app.locator('#runs-error')).to_contain_text('Could not keep this run in the browser: ', timeout=10_000)
    expect(app.locator('#runs-error')).to_contain_text('Use “Save checkpoint” to keep it as a file.')
    assert_native(app, Config(steps=60))


def test_the_site_works_offline_after_one_visit(browser, site_url):
    context = browser.new_context(service_workers='allow')
    page = context.new_page()
    errors = []
    page.on('pageerror', lambda e: errors.append(str(e)))
    page.goto(site_url)
    expect(page.locator('#status')).to_have_text(READY, timeout=60_000)
    expect(page.locator('#offline-status')).to_have_attribute('data-offline', 'ready', timeout=60_000)
    context.set_offline(True)
    page.reload()
    expect(page.locator('#status')).to_have_text(READY, timeout=60_000)
    settings(page, steps=50)
    page.click('#train')
    expect(page.locator('#status')).to_have_text(DONE, timeout=120_000)
    assert_native(page, Config(steps=50))
    assert errors == []
    context.close()


def test_loading_shows_the_bytes_of_the_runtime_fetched(page, site_url):
    cdp = page.context.new_cdp_session(page)
    cdp.send('Network.enable')
    cdp.send('Network.emulateNetworkConditions', {'offline': False, 'latency': 20, 'uploadThroughput': 1_000_000,
                                                  'downloadThroughput': 3_000_000})  # bytes/s: ~5 s for the runtime
    page.goto(site_url)
    seen = [page.text_content('#status')]
    while not READY.match(seen[-1]):  # polled: the page's CSP forbids the string predicates of wait_for_function
        page.wait_for_timeout(30)
        if page.text_content('#status') != seen[-1]:
            seen.append(page.text_content('#status'))
    progress = [t for t in seen if t.startswith('Loading the Python runtime: ')]
    fetched = [float(re.match(r'^Loading the Python runtime: (\d+\.\d) of (\d+\.\d) MB…$', t).group(1))
               for t in progress]
    assert len(fetched) >= 3 and fetched == sorted(fetched) and fetched[0] < fetched[-1], progress
    total = float(re.search(r'of (\d+\.\d) MB', progress[0]).group(1))
    assert 10 < total < 20  # the WebAssembly, the standard library and the wheel
    assert 'Starting Python…' in seen


def test_a_checkpoint_over_128_mb_is_refused_unread(app, tmp_path):
    huge = tmp_path / 'huge.microgpt.json'
    with open(huge, 'wb') as f:
        f.truncate(129 * 1024 * 1024)  # sparse: the page refuses it by its size, before reading a byte
    open_checkpoint(app, huge)
    expect(app.locator('#runs-error')).to_have_text(
        'huge.microgpt.json is 129 MB; a checkpoint is at most 128 MB. The run on screen is unchanged.')
    expect(app.locator('#status')).to_have_text(READY)
    expect(app.locator('#train')).to_be_enabled()


def test_ready_means_train_works(page, site_url):
    page.goto(site_url)
    expect(page.locator('#status')).to_have_text(READY, timeout=60_000)
    assert page.is_enabled('#train')  # at that very moment: the dataset is read before the page says ready


def test_even_a_short_run_survives_a_reload(app):
    settings(app, steps=3000)
    app.click('#train')
    expect(app.locator('#status')).to_have_attribute('data-step', re.compile(r'^[1-9]'), timeout=30_000)
    app.wait_for_timeout(1000)
    app.reload()
    assert paused_step(app) >= 1  # saved at its first steps, not only after the first few seconds


def test_a_new_run_answers_a_pending_question(app, tmp_path):
    pets = tmp_path / 'pets.txt'
    pets.write_bytes(b'rex\nfido\n')
    path = tmp_path / 'pets.microgpt.json'
    assert cli('--input', pets, '--steps', 4, '--until', 2, '--save', path).returncode == 0
    open_checkpoint(app, path)
    expect(app.locator('#checkpoint-ask')).to_be_visible()
    settings(app, steps=5)
    app.click('#train')
    expect(app.locator('#checkpoint-ask')).to_be_hidden()  # picking pets.txt later cannot replace this run
    expect(app.locator('#status')).to_have_text(DONE, timeout=60_000)


def test_a_new_deploy_is_taken_at_the_next_visit_whole(browser, tmp_path):
    """Deploy A is kept for offline use; deploy B (a changed page and script) is found and installed beside it during
    a visit, which goes on with A whole; once A's tabs are closed, the next visit is B's page and B's script."""
    import shutil
    from browser import SITE, _build_module, serve_site
    site = tmp_path / 'site'
    shutil.copytree(SITE, site)
    context = browser.new_context(service_workers='allow')
    page = context.new_page()
    with serve_site(site) as url:
        page.goto(url)
        expect(page.locator('#status')).to_have_text(READY, timeout=60_000)
        expect(page.locator('#offline-status')).to_have_attribute('data-offline', 'ready', timeout=60_000)
        # deploy B: the heading and the entry script change, and with them sw.js
        index = (site / 'index.html').read_text()
        (site / 'index.html').write_text(index.replace('train a GPT in your browser</span>', 'deploy B</span>'))
        (site / 'main.js').write_text((site / 'main.js').read_text() + "\ndocument.body.dataset.deploy = 'B';\n")
        build = _build_module()
        build.SITE = site
        build.write_service_worker('deploy-b')
        page.reload()  # still A, whole, from its copy; the browser finds the new sw.js and installs B beside it
        expect(page.locator('#status')).to_have_text(READY, timeout=60_000)
        expect(page.locator('h1 .subtitle')).to_have_text('train a GPT in your browser')
        assert page.get_attribute('body', 'data-deploy') is None
        for _ in range(60):
            if page.evaluate("navigator.serviceWorker.getRegistration().then((r) => Boolean(r && r.waiting))"):
                break
            page.wait_for_timeout(1000)
        else:
            pytest.fail("deploy B was never installed")
        page.close()  # the last tab of A: B takes over
        page = context.new_page()
        page.goto(url)
        expect(page.locator('h1 .subtitle')).to_have_text('deploy B', timeout=30_000)
        expect(page.locator('body')).to_have_attribute('data-deploy', 'B')
        expect(page.locator('#status')).to_have_text(READY, timeout=60_000)
    context.close()
