"""Sweeps and the comparison, in the real page: several runs trained at once, each in a worker of its own, each bit
for bit the native core's run of its settings (and so the CLI's); their held-out losses the native microgpt.heldout's;
the page's own count of workers back to 0 after a stop; a link that carries a sweep; runs of different lengths
compared; a grid past the bound refused; the table sorted from the keyboard; axe-core on the comparison."""

import json
import re

import pytest
from playwright.sync_api import expect

from conftest import READY, assert_same_floats, golden
from test_page import native, settings
from test_page_inspect import axe_violations
from microgpt import Config, Trainer, builtin_names, checkpoint, documents, heldout

SMALL = golden('variant-small')['config']  # seed 7, 30 steps, 2 layers of 8, 2 heads, block 8, lr 0.02, T 0.8, 10
SMALL_HASH = 'steps=30&seed=7&learning-rate=0.02&temperature=0.8&samples=10&n-layer=2&n-embd=8&n-head=2&block-size=8'
CLI_FLAGS = ['--steps', '--seed', '--learning-rate', '--temperature', '--samples', '--n-layer', '--n-embd',
             '--n-head', '--block-size']
CORES = 4  # the machine the page is told it has: 3 runs at once, whatever this one has


def open_page(page, url, cores=CORES, valid=True):
    """The page on a machine of `cores` cores (navigator.hardwareConcurrency), ready (with its parameter count, if the
    settings are `valid`); returns the list of console errors and uncaught exceptions, to check at the end."""
    errors = []
    page.on('console', lambda m: errors.append(m.text) if m.type == 'error' else None)
    page.on('pageerror', lambda e: errors.append(str(e)))
    page.add_init_script(f"Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', {{get: () => {cores}}})")
    page.goto(url)
    expect(page.locator('#status')).to_have_text(READY, timeout=60_000)
    expect(page.locator('#dataset-info')).to_contain_text('parameters' if valid else 'vocabulary', timeout=30_000)
    return errors


def finish(page, phase='done'):
    """Wait for the sweep's end and for every worker of the pool to have gone (held-out losses computed)."""
    expect(page.locator('#status')).to_have_attribute('data-phase', phase, timeout=180_000)
    expect(page.locator('#status')).to_have_attribute('data-workers', '0', timeout=120_000)


def sweep_runs(page):
    return page.locator('#runs .run.sweep-run')


def download(page, locator):
    with page.expect_download() as info:
        locator.click()
    return info.value.suggested_filename, open(info.value.path(), encoding='utf-8').read()


def csv_losses(text):
    lines = text.splitlines()
    assert lines[0] == 'step,loss'
    rows = [line.split(',') for line in lines[1:]]
    assert [int(step) for step, _ in rows] == list(range(1, len(rows) + 1))
    return [float(loss) for _, loss in rows]


def flags(config):
    """A run's settings as data-config keys them: the CLI's flags without their dashes."""
    return {k.replace('_', '-'): v for k, v in config.to_dict().items() if f"--{k.replace('_', '-')}" in CLI_FLAGS}


def native_heldout(configs):
    """Each run's held-out loss, natively: heldout.choose over all of them, the loss of each one's final model."""
    docs = documents(builtin_names())
    chosen = heldout.choose(docs, [(c.seed, c.steps) for c in configs])
    losses = []
    for config in configs:
        trainer = Trainer(config, docs)
        for _ in range(config.steps):
            trainer.step()
        losses.append(heldout.loss(trainer.model, trainer.tokenizer, chosen.docs))
    return losses


def test_a_sweep_of_three_learning_rates_trains_each_run_as_alone(page, site_url):
    errors = open_page(page, site_url + '#' + SMALL_HASH)
    settings(page, learning_rate='0.01, 0.02, 0.04')
    expect(page.locator('#sweep-info')).to_have_text(
        'Train starts a sweep of 3 runs (learning rate 0.01, 0.02, 0.04), each in a worker of its own: 3 at once on '
        'this machine (4 cores, one kept for the page).')
    expect(page.locator('#cli-command')).to_contain_text('--learning-rate 0.04')
    page.click('#train')
    expect(page.locator('#status')).to_have_attribute('data-phase', 'training')
    finish(page)
    expect(page.locator('#status')).to_have_text(re.compile(r'^Sweep done: 3 runs, 90 steps in '))
    runs = sweep_runs(page)
    expect(runs).to_have_count(3)
    configs = [Config(**{**SMALL, 'learning_rate': lr}) for lr in (0.01, 0.02, 0.04)]
    docs = documents(builtin_names())
    for i, config in enumerate(configs):
        run = runs.nth(i)
        assert json.loads(run.get_attribute('data-config')) == flags(config)
        losses, samples = native(config)
        name, text = download(page, run.locator('.download-losses'))
        # the format and name of #download-losses: session.losses_csv's, Python's repr of every loss
        assert text == 'step,loss\n' + ''.join(f'{n},{loss!r}\n' for n, loss in enumerate(losses, start=1))
        # with the swept value before the step: each run's file a name of its own (the single run's name otherwise)
        single = checkpoint.file_name(config, checkpoint.dataset_info(docs, None), 30)
        assert name == single.removesuffix(checkpoint.SUFFIX).replace('-step', f'-lr{config.learning_rate}-step') + \
            '.losses.csv'
        names = page.locator(f'#compare-names ol[data-key="{run.get_attribute("data-key")}"] .name')
        assert names.all_text_contents() == samples
    assert_same_floats(csv_losses(download(page, runs.nth(1).locator('.download-losses'))[1]),
                       golden('variant-small')['trace'])  # 0.02 is the golden variant: the CLI's own numbers
    # the table: a row per run, their held-out losses the native core's on the documents chosen for all three
    rows = page.locator('#compare-table tbody tr')
    expect(rows).to_have_count(3)
    expect(page.locator('#compare-heldout')).to_have_text(re.compile(r'^Held-out loss: the mean loss over the same '
                                                                     r'100 documents for every run'))
    for i, loss in enumerate(native_heldout(configs)):
        assert rows.nth(i).locator('.heldout-loss').get_attribute('data-repr') == repr(loss)
    # its checkpoint, downloaded, holds its losses; reopened, it is the run on screen, done, with its names
    name, text = download(page, runs.nth(2).locator('.download-checkpoint'))
    assert name == 'names-s7-2x8-lr0.04-step30of30.microgpt.json'
    assert_same_floats(json.loads(text)['losses'], native(configs[2])[0])
    runs.nth(1).locator('.open-run').click()
    expect(page.locator('#status')).to_have_text('Reopened sweep run 2 of 3, learning rate 0.02: done, 30 steps.')
    expect(page.locator('#names .name')).to_have_text(native(configs[1])[1])
    expect(runs.nth(1)).to_have_class(re.compile(r'\bcurrent\b'))
    # every run is kept in the browser like any run, and listed as such after a reload
    page.reload()
    expect(page.locator('#runs .run')).to_have_count(3, timeout=60_000)
    kept = page.locator('#runs .run').evaluate_all('els => els.map(e => e.dataset.config)')
    assert sorted(json.loads(config)['learning-rate'] for config in kept) == [0.01, 0.02, 0.04]
    assert errors == []


def test_pausing_one_run_leaves_the_others_training_and_stop_ends_every_worker(page, site_url):
    errors = open_page(page, site_url + '#' + SMALL_HASH.replace('steps=30', 'steps=3000').replace(
        'learning-rate=0.02', 'learning-rate=0.005,0.01,0.02'))
    expect(page.locator('#status')).to_have_attribute('data-workers', '0')
    page.click('#train')
    runs = sweep_runs(page)
    for i in range(3):
        expect(runs.nth(i)).to_have_attribute('data-state', 'training', timeout=60_000)
    expect(page.locator('#status')).to_have_attribute('data-workers', '3')
    # what the page says while the sweep trains, none of its runs on screen: where its runs' losses and names are
    expect(page.locator('#sweep-info')).to_have_text('Sweep of 3 runs: 3 training. Their losses and names are under '
                                                     'Compare runs; each has its controls in the runs list.')
    expect(page.locator('#loss-chart')).to_be_hidden()
    expect(page.locator('#loss-now')).to_contain_text('their losses are on the chart under Compare runs')
    expect(page.locator('#names-caption')).to_have_text(
        "A sweep has no run on screen: each run's final names are under Compare runs, side by side.")
    expect(page.locator('#cli-command')).to_contain_text('# 1: learning rate 0.005\npython -m microgpt --steps 3000')
    runs.nth(0).locator('.pause-run').click()
    expect(runs.nth(0)).to_have_attribute('data-state', 'paused')
    expect(runs.nth(0).locator('.pause-run')).to_have_text('Resume')
    expect(page.locator('#sweep-info')).to_contain_text('Sweep of 3 runs: 2 training, 1 paused.')
    paused = [int(runs.nth(i).get_attribute('data-step')) for i in range(3)]
    page.wait_for_timeout(2000)
    later = [int(runs.nth(i).get_attribute('data-step')) for i in range(3)]
    assert later[0] == paused[0] and later[1] > paused[1] and later[2] > paused[2]
    expect(page.locator('#status')).to_have_attribute('data-phase', 'training')
    page.click('#stop')  # the whole sweep
    finish(page, 'stopped')
    for i in range(3):
        expect(runs.nth(i)).to_have_attribute('data-state', 'stopped')
    expect(page.locator('#compare-heldout')).to_have_text('No held-out loss: the sweep was stopped.')
    # a stopped run's losses are its steps so far, the native run's first ones
    step = int(runs.nth(1).get_attribute('data-step'))
    losses = csv_losses(download(page, runs.nth(1).locator('.download-losses'))[1])
    assert len(losses) == step and step > 0
    trainer = Trainer(Config(**{**SMALL, 'steps': 3000, 'learning_rate': 0.01}), documents(builtin_names()))
    assert_same_floats(losses, [trainer.step() for _ in range(step)])
    # a new sweep, then Reset: no worker is left behind either way
    page.click('#reset')
    expect(page.locator('#status')).to_have_attribute('data-phase', 'ready')
    expect(page.locator('#status')).to_have_attribute('data-workers', '0')
    expect(page.locator('#loss-chart')).to_be_visible()
    expect(page.locator('#names-caption')).to_have_text('Names appear here while the model trains.')
    page.click('#train')
    expect(page.locator('#status')).to_have_attribute('data-workers', '3', timeout=30_000)
    page.click('#reset')
    expect(page.locator('#status')).to_have_attribute('data-workers', '0')
    expect(sweep_runs(page)).to_have_count(0)
    assert errors == []


def test_a_sweep_link_restores_the_same_sweep(page, site_url):
    link = site_url + '#steps=12&seed=7,8&learning-rate=0.01,0.02&n-embd=8&n-head=2'
    errors = open_page(page, link)
    assert page.input_value('#seed') == '7,8' and page.input_value('#learning-rate') == '0.01,0.02'
    expect(page.locator('#sweep-info')).to_contain_text('a sweep of 4 runs (seed 7, 8 × learning rate 0.01, 0.02)')
    expect(page.locator('#cli-command')).to_have_text('\n'.join(
        f'# {i}: seed {seed}, learning rate {lr}\n'
        f'python -m microgpt --steps 12 --seed {seed}{"" if lr == 0.01 else f" --learning-rate {lr}"} --n-embd 8 '
        '--n-head 2' for i, (seed, lr) in enumerate(((7, 0.01), (7, 0.02), (8, 0.01), (8, 0.02)), start=1)))
    expect(page.locator('#settings-summary')).to_have_text(
        'sweep of 4 runs: seed 7, 8 × learning rate 0.01, 0.02; 12 steps, 1 layer × 8 wide, 2 heads, block 16')
    page.click('#train')
    finish(page)
    assert page.url == link  # the link describes the sweep on screen
    runs = sweep_runs(page)
    grid = [(seed, lr) for seed in (7, 8) for lr in (0.01, 0.02)]
    assert [(c['seed'], c['learning-rate']) for c in
            (json.loads(runs.nth(i).get_attribute('data-config')) for i in range(4))] == grid
    config = Config(steps=12, seed=8, learning_rate=0.02, n_embd=8, n_head=2)
    assert_same_floats(csv_losses(download(page, runs.nth(3).locator('.download-losses'))[1]), native(config)[0])
    assert errors == []


def test_runs_of_different_lengths_compare_on_the_same_documents_and_sort(page, site_url):
    errors = open_page(page, site_url + '#' + SMALL_HASH.replace('steps=30', 'steps=10,30'))
    page.click('#train')
    finish(page)
    configs = [Config(**{**SMALL, 'steps': steps}) for steps in (10, 30)]
    rows = page.locator('#compare-table tbody tr')
    expect(rows).to_have_count(2)
    assert rows.locator('.steps').all_text_contents() == ['10 of 10', '30 of 30']
    for i, config in enumerate(configs):
        losses = native(config)[0]
        average = 0
        for loss in losses:  # the chart's smoothing, as chart.js computes it
            average = 0.95 * average + (1 - 0.95) * loss
        assert float(rows.nth(i).locator('.final-loss').get_attribute('data-value')) == pytest.approx(
            average / (1 - 0.95 ** len(losses)), rel=1e-12)
        assert_same_floats(csv_losses(download(page, sweep_runs(page).nth(i).locator('.download-losses'))[1]), losses)
    # both measured on the documents chosen for both: the 30-step run's choice, which the 10-step run's is part of
    assert [rows.nth(i).locator('.heldout-loss').get_attribute('data-repr') for i in range(2)] == \
        [repr(loss) for loss in native_heldout(configs)]
    expect(page.locator('#compare-chart .u-legend')).to_contain_text('1: steps 10')
    expect(page.locator('#compare-chart .u-legend')).to_contain_text('2: steps 30')
    # sorted by any column, from the keyboard: the final loss, ascending then descending
    values = [float(v) for v in rows.locator('.final-loss').evaluate_all('els => els.map(e => e.dataset.value)')]
    header = page.locator('#compare-table th[data-column="final-loss"]')
    header.locator('button').focus()
    page.keyboard.press('Enter')
    expect(header).to_have_attribute('aria-sort', 'ascending')
    assert [float(v) for v in rows.locator('.final-loss').evaluate_all(
        'els => els.map(e => e.dataset.value)')] == sorted(values)
    expect(header.locator('button')).to_be_focused()
    page.keyboard.press('Enter')
    expect(header).to_have_attribute('aria-sort', 'descending')
    assert [float(v) for v in rows.locator('.final-loss').evaluate_all(
        'els => els.map(e => e.dataset.value)')] == sorted(values, reverse=True)
    page.locator('#compare-table th[data-column="index"] button').click()
    assert rows.locator('.index').all_text_contents() == ['1', '2']
    # the Steps setting (swept) and the steps trained are two columns, each its own heading and its own sort
    assert page.locator('#compare-table thead th').all_text_contents() == [
        '#', 'Run', 'Steps', 'Trained', 'Final loss', 'Held-out loss', 'Time', 'Steps/s', 'State']
    setting, trained = (page.locator(f'#compare-table th[data-column="{c}"]') for c in ('steps', 'trained'))
    setting.locator('button').click()
    setting.locator('button').click()
    expect(setting).to_have_attribute('aria-sort', 'descending')
    expect(trained).to_have_attribute('aria-sort', 'none')
    assert rows.locator('.setting-steps').all_text_contents() == ['30', '10']
    trained.locator('button').click()
    expect(trained).to_have_attribute('aria-sort', 'ascending')
    expect(setting).to_have_attribute('aria-sort', 'none')
    assert rows.locator('.steps').all_text_contents() == ['10 of 10', '30 of 30']
    assert errors == []


def test_a_grid_past_the_bound_and_bad_lists_are_refused_with_a_message(page, site_url):
    errors = open_page(page, site_url + '#seed=1,2,3,4,5&learning-rate=0.01,0.02,0.03,0.04', valid=False)
    expect(page.locator('#learning-rate-error')).to_have_text(
        'A grid of 5 seed values × 4 learning rate values is 20 runs: a sweep trains at most 16. Shorten a list.')
    expect(page.locator('#train')).to_be_disabled()
    expect(page.locator('#sweep-info')).to_be_hidden()
    settings(page, seed='1,2,3,4')  # 16: allowed
    expect(page.locator('#learning-rate-error')).to_have_text('')
    expect(page.locator('#sweep-info')).to_contain_text('a sweep of 16 runs')
    expect(page.locator('#train')).to_be_enabled()
    settings(page, steps='10,20')  # a third list
    expect(page.locator('#learning-rate-error')).to_contain_text('Lists in at most 2 settings make a sweep')
    settings(page, steps='10', learning_rate='0.01,<b>x</b>')  # untrusted text, shown as text
    expect(page.locator('#learning-rate-error')).to_have_text('“<b>x</b>”: Enter a number, such as 0.01.')
    settings(page, learning_rate='0.01,,0.02')
    expect(page.locator('#learning-rate-error')).to_have_text(
        'A list has a value between each two commas, such as 0.003, 0.01, 0.03.')
    settings(page, seed='1', learning_rate='0.01', n_head='4,3')
    expect(page.locator('#n-head-error')).to_have_text(
        'With heads 3: Embedding size must be a multiple of the number of heads (3).')
    expect(page.locator('#n-embd-error')).to_have_text('')
    expect(page.locator('#train')).to_be_disabled()
    assert errors == []


@pytest.mark.parametrize('width', [1280, 375])
def test_axe_finds_no_violations_in_the_comparison(page, site_url, width):
    errors = open_page(page, site_url + '#steps=5,8&n-embd=8&n-head=2')
    page.set_viewport_size({'width': width, 'height': 900})
    page.click('#train')
    expect(page.locator('#compare')).to_be_visible()
    assert axe_violations(page) == [], 'training'
    finish(page)
    expect(page.locator('#compare-table tbody tr')).to_have_count(2)
    page.click('#settings-panel > summary')
    assert axe_violations(page) == [], 'done'
    assert page.evaluate('document.documentElement.scrollWidth') <= width
    assert errors == []


def test_a_dataset_too_small_to_hold_any_out_says_why(page, site_url, tmp_path):
    errors = open_page(page, site_url + '#steps=6&seed=1,2&n-embd=8&n-head=2')
    pets = tmp_path / 'pets.txt'
    pets.write_bytes(b'rex\nfido\nmittens\nfelix\nbella\n')
    page.set_input_files('#dataset-file', pets)
    expect(page.locator('#dataset-info')).to_contain_text('5 documents')
    page.click('#train')
    finish(page)
    expect(page.locator('#compare-heldout')).to_have_text(
        'No held-out loss: a dataset of 5 documents is too small to hold any out: a held-out loss needs at least 10.')
    assert page.locator('#compare-table .heldout-loss').all_text_contents() == ['none', 'none']
    docs = documents(pets.read_bytes())
    for i, seed in enumerate((1, 2)):
        config = Config(steps=6, seed=seed, n_embd=8, n_head=2)
        losses = csv_losses(download(page, sweep_runs(page).nth(i).locator('.download-losses'))[1])
        assert_same_floats(losses, native(config, docs)[0])
    assert errors == []


def test_train_starts_a_sweep_at_once_even_after_another(page, site_url):
    errors = open_page(page, site_url + '#steps=5&seed=1,2&n-embd=8&n-head=2')
    start = """() => {
      document.querySelector('#train').click();
      const status = document.querySelector('#status');
      return [status.dataset.phase, status.textContent];
    }"""
    for _ in range(2):  # the second after the first has ended: a script waiting for "done" must not read the first's
        assert page.evaluate(start) == ['training', 'Sweep: starting 2 runs (2 at once)…']
        finish(page)
    assert errors == []


def test_opening_a_run_of_the_sweep_keeps_the_sweep_in_the_form_and_says_where_the_run_went(page, site_url):
    link = site_url + '#' + SMALL_HASH.replace('steps=30', 'steps=3000').replace('learning-rate=0.02',
                                                                                 'learning-rate=0.01,0.02')
    errors = open_page(page, link)
    page.click('#train')
    runs = sweep_runs(page)
    expect(runs.nth(0)).to_have_attribute('data-state', 'training', timeout=60_000)
    runs.nth(0).locator('.pause-run').click()
    expect(runs.nth(0)).to_have_attribute('data-state', 'paused')
    runs.nth(0).locator('.open-run').click()
    expect(page.locator('#status')).to_have_text(re.compile(r'^Opened sweep run 1 of 2, learning rate 0\.01: paused'))
    # the sweep is still the form's and the link's: Train would start it again, not the one run
    assert page.input_value('#learning-rate') == '0.01,0.02'
    assert page.url == link
    expect(page.locator('#settings-edited')).to_be_hidden()
    # in the list and the table, the run is the one on screen, not "stopped"
    meta = runs.nth(0).locator('.run-meta')
    expect(meta).to_have_text(re.compile(r'^open on screen: paused at step \d+ of 3,000 \(it left the sweep at step '))
    page.click('#pause')  # Resume: it trains on screen
    expect(meta).to_have_text(re.compile(r'^open on screen: training, step \d+ of 3,000'))
    expect(page.locator(f'#compare-table tr[data-key="{runs.nth(0).get_attribute("data-key")}"] .state')).to_have_text(
        'open on screen')
    page.click('#reset')
    expect(page.locator('#status')).to_have_attribute('data-workers', '0')
    assert errors == []


def test_the_held_out_note_names_the_seed_and_how_short_runs_must_be(page, site_url, tmp_path):
    words = tmp_path / 'words.txt'
    words.write_text(''.join(f'{a}{b}o\n' for a in 'bcdfg' for b in 'aeiuyz'))  # 30 distinct documents: 3 held out
    docs = documents(words.read_bytes())
    errors = open_page(page, site_url + '#steps=5&seed=1,2&n-embd=8&n-head=2')
    page.set_input_files('#dataset-file', words)
    expect(page.locator('#dataset-info')).to_contain_text('30 documents')
    page.click('#train')
    finish(page)
    chosen = heldout.choose(docs, [(1, 5), (2, 5)])
    longest = heldout.longest_run(docs, chosen.docs, chosen.seed)
    expect(page.locator('#compare-heldout')).to_contain_text(  # several seeds: which one's run reaches them
        f"(the end of seed {chosen.seed}'s shuffled list; a run with seed {chosen.seed} reaches one after "
        f"{longest} steps)")
    settings(page, steps='40')  # every run trains on every document: how short they must be to leave some out
    page.click('#train')
    finish(page)
    probe = heldout.choose(docs, [(1, 0), (2, 0)])
    shortest = min(heldout.longest_run(docs, probe.docs, seed) for seed in (1, 2))
    expect(page.locator('#compare-heldout')).to_have_text(
        f'No held-out loss: {heldout.choose(docs, [(1, 40), (2, 40)]).reason}. Runs of at most {shortest} steps would '
        'leave some out.')
    assert heldout.choose(docs, [(1, shortest), (2, shortest)]).docs  # as the note says
    assert errors == []


def test_the_held_out_note_says_which_runs_it_could_not_measure(page, site_url):
    errors = open_page(page, site_url + '#steps=5&learning-rate=0.01,1000&n-embd=8&n-head=2')
    page.click('#train')
    finish(page)
    expect(sweep_runs(page).nth(1)).to_have_attribute('data-state', 'failed')  # diverged at its second step
    cell = page.locator('#compare-table tbody tr').nth(1).locator('.heldout-loss')
    expect(cell).to_have_text(re.compile('^failed: '))
    expect(page.locator('#compare-heldout')).to_have_text(re.compile(
        r'^Held-out loss: the mean loss over the same 100 documents for every run but run 2 \(its cell says why\), '))
    assert errors == []
