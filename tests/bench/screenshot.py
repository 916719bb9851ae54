"""Screenshots of the page for the README: after the default 1000-step run, the top of the page on a desktop (1280 px)
and on a phone (375 px, two screens), and the inside-the-model panel at both widths with its graph and gradient check
open; then, after a second run, the loss chart comparing the two and the list of kept runs (1280 px); the Code
panel with model.py edited and its diff shown (1280 px); and Run a script after Karpathy's microgpt.py, with 50
steps, has run (1280 px; when the reference is at ../shared/reference/microgpt.py); and a sweep of three learning rates
with its comparison (1280 px, in a page of its own).

    python build.py && .venv/bin/python tests/bench/screenshot.py [OUT_DIR]   # default OUT_DIR: .github/

Also prints the page's load time and training speed, as shown in its status line.
"""

import re
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from browser import ROOT, launch_args, serve_site  # noqa: E402


def main():
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / '.github'
    out.mkdir(exist_ok=True)
    with serve_site() as url, sync_playwright() as p:
        browser = p.chromium.launch(**launch_args())
        page = browser.new_page(viewport={'width': 1280, 'height': 900})
        page.goto(url)
        expect(page.locator('#status')).to_have_text(re.compile('^Ready'), timeout=60_000)
        print(page.text_content('#status'))
        expect(page.locator('#dataset-info')).to_contain_text('parameters', timeout=30_000)
        page.click('#train')
        expect(page.locator('#status')).to_have_text(re.compile('^Done'), timeout=900_000)
        print(page.text_content('#status'))
        page.click('#graph-view > summary')
        page.click('#gradcheck-view > summary')
        page.click('#gradient-check')
        expect(page.locator('#graph svg .node').first).to_be_visible(timeout=30_000)
        expect(page.locator('#gradcheck tr').first).to_be_visible(timeout=30_000)
        page.wait_for_timeout(500)
        page.evaluate('window.scrollTo(0, 0)')
        page.screenshot(path=out / 'screenshot.png', full_page=True,
                        clip={'x': 0, 'y': 0, 'width': 1280, 'height': 1500})
        # an element's screenshot scrolls to it: the sticky controls would cover its top
        page.evaluate("document.querySelector('#controls').style.position = 'static'")
        page.locator('#inside').screenshot(path=out / 'screenshot-inside.png')
        page.set_viewport_size({'width': 375, 'height': 812})
        page.wait_for_timeout(500)
        page.locator('#inside').screenshot(path=out / 'screenshot-inside-phone.png')
        page.evaluate("document.querySelector('#controls').style.position = ''")
        page.evaluate('window.scrollTo(0, 0)')
        page.screenshot(path=out / 'screenshot-phone.png', full_page=True,
                        clip={'x': 0, 'y': 0, 'width': 375, 'height': 1624})
        # a second run, paused halfway, beside the first on the chart
        page.set_viewport_size({'width': 1280, 'height': 900})
        page.click('#settings-panel > summary')  # the settings are folded away
        page.fill('#learning-rate', '0.03')
        page.fill('#seed', '7')
        page.click('#train')
        expect(page.locator('#status')).to_have_attribute('data-step', re.compile(r'^([5-9]\d\d)$'), timeout=300_000)
        page.click('#pause')
        expect(page.locator('#status')).to_have_text(re.compile('^Paused'), timeout=60_000)
        page.locator('#runs .run').nth(1).locator('.compare-run').check()
        page.wait_for_timeout(500)
        page.evaluate('window.scrollTo(0, 0)')
        # the chart (left column) and the kept runs (right column)
        top, chart, runs = (page.locator(s).bounding_box() for s in ('#chart-heading', '#loss-chart', '#runs'))
        bottom = max(chart['y'] + chart['height'], runs['y'] + runs['height'])
        page.screenshot(path=out / 'screenshot-runs.png', full_page=True, clip={
            'x': chart['x'] - 12, 'y': top['y'] - 8, 'width': runs['x'] + runs['width'] - chart['x'] + 24,
            'height': bottom - top['y'] + 16})
        # the Code panel: model.py's MLP with squared ReLU, its diff shown around the edit
        model = (ROOT / 'microgpt' / 'model.py').read_text()
        page.click('#code-panel > summary')
        expect(page.locator('#code-file')).to_be_enabled(timeout=30_000)
        page.click('#code .cm-content')
        page.keyboard.press('ControlOrMeta+a')
        page.keyboard.insert_text(model.replace('x = [xi.relu() for xi in x]', 'x = [xi.relu() ** 2 for xi in x]'))
        page.click('#code-diff')
        page.click('#code .cm-content')
        page.keyboard.press('ControlOrMeta+End')
        page.wait_for_timeout(500)
        page.evaluate("document.querySelector('#controls').style.position = 'static'")
        page.locator('#code').screenshot(path=out / 'screenshot-code.png')
        # Run a script: Karpathy's file with 50 steps, when the reference is at hand
        reference = ROOT.parent / 'shared' / 'reference' / 'microgpt.py'
        if reference.exists():
            page.click('#code-panel > summary')  # folded again
            page.click('#stop')  # the second run, paused: a script replaces it once it has stopped
            expect(page.locator('#status')).to_have_attribute('data-phase', 'stopped', timeout=30_000)
            page.click('#script-panel > summary')
            shortened = Path(tempfile.mkdtemp()) / 'microgpt.py'
            shortened.write_text(reference.read_text().replace('num_steps = 1000 #', 'num_steps = 50 #'))
            page.set_input_files('#script-file', str(shortened))
            expect(page.locator('#script-info')).to_contain_text('not the published reference', timeout=30_000)
            page.click('#script-run')
            expect(page.locator('#status')).to_have_text(re.compile(' finished: 50 steps'), timeout=300_000)
            page.wait_for_timeout(500)
            page.locator('#script').screenshot(path=out / 'screenshot-script.png')
        # a sweep: three learning rates, 300 steps each, as many at once as this machine allows, then compared
        page = browser.new_page(viewport={'width': 1280, 'height': 900})
        page.goto(url + '#steps=300&learning-rate=0.003,0.01,0.03')
        expect(page.locator('#status')).to_have_text(re.compile('^Ready'), timeout=60_000)
        expect(page.locator('#dataset-info')).to_contain_text('parameters', timeout=30_000)
        page.click('#train')
        expect(page.locator('#status')).to_have_attribute('data-phase', 'done', timeout=900_000)
        expect(page.locator('#status')).to_have_attribute('data-workers', '0', timeout=300_000)  # held-out losses
        print(page.text_content('#status'))
        page.wait_for_timeout(500)
        page.evaluate("document.querySelector('#controls').style.position = 'static'")
        page.locator('#compare').screenshot(path=out / 'screenshot-sweep.png')
        browser.close()
    print(f"wrote screenshot.png, screenshot-phone.png, screenshot-inside.png, screenshot-inside-phone.png, "
          f"screenshot-runs.png, screenshot-code.png, screenshot-script.png and screenshot-sweep.png in {out}")


if __name__ == '__main__':
    main()
