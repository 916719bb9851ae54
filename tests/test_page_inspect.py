"""Inside the model, in the real page: the views show the native core's numbers, bit for bit, on a checkpoint of the
default run opened at step 50, live while training, and after a run; the graph and the gradient check draw; axe-core
finds nothing to fix at desktop and phone widths."""

import json
import re

import pytest
from playwright.sync_api import expect

from conftest import DONE, ROOT
from test_page import settings
from test_page_runs import cli, open_checkpoint
from microgpt import Config, Trainer, builtin_names, documents, inspect

AXE = ROOT / 'web' / 'node_modules' / 'axe-core' / 'axe.min.js'
# a table's rows below its header, each as its cells' texts
TABLE_CELLS = 'rs => rs.slice(1).map(r => [...r.cells].map(c => c.textContent))'


@pytest.fixture(scope='module')
def step50():
    """The default run after 50 steps, natively: what the page's views must show for it."""
    trainer = Trainer(Config(), documents(builtin_names()))
    for _ in range(50):
        trainer.step()
    return trainer


@pytest.fixture
def opened(app, tmp_path):
    """The page with the default run's step-50 checkpoint, written by the command line, open."""
    path = tmp_path / 'default.microgpt.json'
    out = cli('--until', 50, '--save', path)
    assert out.returncode == 0, out.stderr
    open_checkpoint(app, path)
    expect(app.locator('#status')).to_have_text(re.compile('^Opened default.microgpt.json: paused at step 50 of 1000'))
    return app


def native_next(trainer, text, temperature):
    tokens = inspect.encode_prefix(trainer.tokenizer, text, trainer.config.block_size)
    probs = inspect.next_token(inspect.read(trainer.model, tokens).logits, temperature)
    return {label: repr(p) for label, p in zip(inspect.labels(trainer.tokenizer), probs)}


def page_next(page):
    bars = page.locator('#next-token .token')
    return dict(zip(bars.evaluate_all('bs => bs.map(b => b.dataset.token)'),
                    bars.evaluate_all('bs => bs.map(b => b.dataset.p)')))


def expect_next(page, trainer, text, temperature):
    """Wait for the bars of `text` at `temperature`, then compare every one with the native core's repr."""
    expect(page.locator('#next-token .token')).to_have_count(27)
    want = native_next(trainer, text, temperature)
    top = max(want, key=lambda label: (float(want[label]), -list(want).index(label)))
    expect(page.locator('#next-token .token').first).to_have_attribute('data-p', want[top])
    assert page_next(page) == want


def test_next_letter_and_attention_equal_the_native_core(opened, step50):
    page = opened
    assert page.input_value('#inspect-text') == 'em' and page.input_value('#inspect-temperature') == '0.5'
    expect_next(page, step50, 'em', 0.5)
    order = [float(p) for p in page.locator('#next-token .token').evaluate_all('bs => bs.map(b => b.dataset.p)')]
    assert order == sorted(order, reverse=True)  # most likely first
    expect(page.locator('#next-token .token[data-token="BOS"]')).to_have_count(1)  # the end of a name is a choice
    # attention: every weight of every layer, head, query and key, as the forward pass computed it
    tokens = inspect.encode_prefix(step50.tokenizer, 'em', 16)
    attention = inspect.read(step50.model, tokens).attention
    want = {(layer, head, q, k): repr(w) for layer, heads in enumerate(attention) for head, rows in enumerate(heads)
            for q, row in enumerate(rows) for k, w in enumerate(row)}
    cells = page.locator('#attention [data-w]').evaluate_all(
        'cs => cs.map(c => [+c.dataset.layer, +c.dataset.head, +c.dataset.query, +c.dataset.key, c.dataset.w])')
    assert {tuple(c[:4]): c[4] for c in cells} == want and len(cells) == 4 * (1 + 2 + 3)


def test_temperature_reshapes_the_bars_and_a_click_adds_the_letter(opened, step50):
    page = opened
    expect_next(page, step50, 'em', 0.5)
    page.fill('#inspect-temperature', '1.5')
    expect(page.locator('#inspect-temperature-value')).to_have_text('1.5')
    expect_next(page, step50, 'em', 1.5)
    letter = page.locator('#next-token .token:not([data-token="BOS"])').first.get_attribute('data-token')
    page.click(f'#next-token .token[data-token="{letter}"]')
    assert page.input_value('#inspect-text') == 'em' + letter
    expect_next(page, step50, 'em' + letter, 1.5)
    # the sampler adds a letter or ends the name; either way the views follow the text
    page.click('#inspect-sample')
    expect(page.locator('#inspect-text')).not_to_have_value('em' + letter)
    text = page.input_value('#inspect-text')
    assert text == '' or (text.startswith('em' + letter) and len(text) == 4)
    expect_next(page, step50, text, 1.5)


def test_text_outside_the_vocabulary_is_refused_with_a_message(opened, step50):
    page = opened
    page.fill('#inspect-text', 'em<b>É</b>')
    expect(page.locator('#inspect-error')).to_contain_text('not among the dataset')
    assert page.locator('#inspect-error b').count() == 0  # quoted as text
    page.fill('#inspect-text', 'anna')
    expect(page.locator('#inspect-error')).to_be_hidden()
    expect_next(page, step50, 'anna', 0.5)


def test_graph_embeddings_and_gradient_check_draw(opened, step50):
    page = opened
    expect(page.locator('#embeddings .point')).to_have_count(27)
    page.click('#graph-view > summary')
    expect(page.locator('#graph svg .node').first).to_be_visible(timeout=30_000)
    nodes = int(page.locator('#graph > .graph-stage > div').get_attribute('data-nodes'))
    want = inspect.graph(step50.model, step50.tokenizer, 'em', json.loads(page.input_value('#graph-piece')))
    assert nodes == len(want['nodes']) == page.locator('#graph svg .node').count()
    expect(page.locator('#graph-status')).to_contain_text(f"the name's mean loss, {want['loss']!r}")
    # every node's operation, name, data and grad, as the native core's backward() left them
    rows = page.locator('#graph table tr').evaluate_all(TABLE_CELLS)
    assert [tuple(r[1:5]) for r in rows] == [(n['op'], n['label'], repr(n['data']), repr(n['grad']))
                                             for n in want['nodes']]
    # the embeddings' coordinates, point by point
    embedded = inspect.embeddings(step50.model, step50.tokenizer)
    rows = page.locator('#embeddings table tr').evaluate_all(TABLE_CELLS)
    assert rows == [['end' if t == 'BOS' else t, repr(x), repr(y)]
                    for t, (x, y) in zip(embedded['tokens'], embedded['points'])]
    # a heatmap square traces that attention weight
    heatmap = page.locator('#attention canvas').first
    box = heatmap.bounding_box()
    heatmap.click(position={'x': box['width'] - 5, 'y': box['height'] - 5})  # query 2, key 2 of head 0
    expect(page.locator('#graph-piece')).to_have_value(
        json.dumps({'kind': 'attention', 'layer': 0, 'head': 0, 'query': 2, 'key': 2}, separators=(',', ':')))
    expect(page.locator('#graph-status')).to_contain_text('attention weight, layer 0, head 0: position 2 to 2')
    page.click('#gradcheck-view > summary')
    page.click('#gradient-check')
    want = inspect.gradient_check(step50.model, step50.tokenizer, 'em')
    expect(page.locator('#gradcheck tr.agree')).to_have_count(len(want['params']))
    rows = page.locator('#gradcheck tr.agree').evaluate_all('rs => rs.map(r => [...r.cells].map(c => c.textContent))')
    assert [(r[0], r[1], r[2]) for r in rows] == [(p['name'], repr(p['autograd']), repr(p['numeric']))
                                                 for p in want['params']]


def test_the_views_follow_a_live_run_and_leave_its_numbers_alone(app):
    """Open while training: the views refresh as it goes, and its losses and names stay the native ones."""
    from test_page import assert_native
    settings(app, steps=300)
    app.click('#train')
    expect(app.locator('#inspect-status')).to_contain_text('refreshed as it trains', timeout=30_000)
    first = app.locator('#next-token .token').first.get_attribute('data-p')
    expect(app.locator('#next-token .token').first).not_to_have_attribute('data-p', first, timeout=30_000)
    app.fill('#inspect-temperature', '1.2')
    app.fill('#inspect-text', 'ma')
    expect(app.locator('#status')).to_have_text(DONE, timeout=120_000)
    assert_native(app, Config(steps=300))


def test_the_panel_follows_run_changes_mid_request(app):
    """Graph, gradient check and sampling during a live run, then Reset while they may be in flight: nothing of the
    old run stays in the panel, and the next run's views are its own."""
    settings(app, steps=400)
    app.click('#train')
    expect(app.locator('#inspect-status')).to_contain_text('refreshed as it trains', timeout=30_000)
    app.click('#graph-view > summary')
    app.click('#gradcheck-view > summary')
    expect(app.locator('#graph svg .node').first).to_be_visible(timeout=30_000)
    app.click('#gradient-check')
    expect(app.locator('#gradcheck tr.agree').first).to_be_visible(timeout=30_000)
    app.click('#inspect-sample')
    app.click('#gradient-check')
    app.click('#reset')
    expect(app.locator('#status')).to_have_text('Ready.')
    for gone in ('#graph svg', '#next-token .token', '#attention [data-w]', '#embeddings .point', '#gradcheck tr',
                 '#graph-piece option'):
        expect(app.locator(gone)).to_have_count(0)
    expect(app.locator('#inspect-status')).to_have_text('Train, or open a run, to look inside its model.')
    settings(app, steps=20, seed=5)
    app.click('#train')
    expect(app.locator('#status')).to_have_text(DONE, timeout=60_000)
    trainer = Trainer(Config(steps=20, seed=5), documents(builtin_names()))
    for _ in range(20):
        trainer.step()
    expect_next(app, trainer, app.input_value('#inspect-text'), 0.5)


def axe_violations(page):
    page.evaluate(AXE.read_text())  # evaluated by the browser's debugger, so past the page's script policy
    return page.evaluate("""async () => (await axe.run(document)).violations.map(
        v => `${v.id}: ${v.nodes.length} × ${v.nodes[0].target.join(' ')} (${v.help})`)""")


@pytest.mark.parametrize('width', [1280, 375])
def test_axe_finds_no_violations(opened, width):
    page = opened
    page.set_viewport_size({'width': width, 'height': 900})
    page.click('#graph-view > summary')
    page.click('#gradcheck-view > summary')
    page.click('#settings-panel > summary')
    page.click('#gradient-check')
    expect(page.locator('#graph svg .node').first).to_be_visible(timeout=30_000)
    expect(page.locator('#gradcheck tr.agree').first).to_be_visible()
    assert axe_violations(page) == []
    # nothing widens the page past the screen (the tables for screen readers included), with a block's worth of text
    page.fill('#inspect-text', 'christopherjohn')
    expect(page.locator('#attention [data-query="15"]')).to_have_count(4 * 16)
    assert page.evaluate('document.documentElement.scrollWidth') <= width


@pytest.mark.parametrize('width', [1280, 375])
def test_axe_finds_no_violations_when_ready_training_and_done(app, width):
    app.set_viewport_size({'width': width, 'height': 900})
    assert axe_violations(app) == [], 'ready'
    settings(app, steps=300)
    app.click('#train')
    expect(app.locator('#embeddings .point')).to_have_count(27, timeout=30_000)
    assert axe_violations(app) == [], 'training'
    expect(app.locator('#status')).to_have_text(DONE, timeout=120_000)
    assert axe_violations(app) == [], 'done'
