"""Screenshots of the page for the README: after the default 1000-step run, desktop (1280 px) and phone (375 px); then
after a second run, the loss chart comparing the two and the list of kept runs (1280 px).

    python build.py && .venv/bin/python tests/bench/screenshot.py [OUT_DIR]   # default OUT_DIR: .github/

Also prints the page's load time and training speed, as shown in its status line.
"""

import re
import sys
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from browser import launch_args, serve_site  # noqa: E402


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
        page.screenshot(path=out / 'screenshot.png', full_page=True)
        page.set_viewport_size({'width': 375, 'height': 812})
        page.screenshot(path=out / 'screenshot-phone.png', full_page=True)
        # a second run, paused halfway, beside the first on the chart
        page.set_viewport_size({'width': 1280, 'height': 900})
        page.fill('#learning-rate', '0.03')
        page.fill('#seed', '7')
        page.click('#train')
        expect(page.locator('#status')).to_have_attribute('data-step', re.compile(r'^([5-9]\d\d)$'), timeout=300_000)
        page.click('#pause')
        expect(page.locator('#status')).to_have_text(re.compile('^Paused'), timeout=60_000)
        page.locator('#runs .run').nth(1).locator('.compare-run').check()
        page.wait_for_timeout(500)
        page.evaluate('window.scrollTo(0, 0)')
        top, runs = page.locator('#chart-heading').bounding_box(), page.locator('#runs').bounding_box()
        page.screenshot(path=out / 'screenshot-runs.png', full_page=True, clip={
            'x': runs['x'] - 12, 'y': top['y'] - 8, 'width': runs['width'] + 24,
            'height': runs['y'] + runs['height'] - top['y'] + 16})
        browser.close()
    print(f"wrote {out / 'screenshot.png'}, {out / 'screenshot-phone.png'} and {out / 'screenshot-runs.png'}")


if __name__ == '__main__':
    main()
