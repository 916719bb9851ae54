"""Screenshots of the page after the default 1000-step run, for the README: desktop (1280 px) and phone (375 px).

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
        browser.close()
    print(f"wrote {out / 'screenshot.png'} and {out / 'screenshot-phone.png'}")


if __name__ == '__main__':
    main()
