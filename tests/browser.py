"""The browser and the web server that the page tests, the benchmark and the screenshot script share.

The browser is Playwright's own Chromium where it is installed (`playwright install chromium`: GitHub's runners,
or .venv/ms-playwright, where `build.py test` downloads it on a machine with no Chromium), else the system's:
Debian's at /usr/bin/chromium (Playwright cannot download its own on the project's machines), Fedora's, Ubuntu's
snap or macOS's Chromium.app. The site is served on 127.0.0.1 under a sub-path, as GitHub Pages serves a project at
/REPO/, so any absolute URL in the site would fail the tests.
"""

import contextlib
import functools
import importlib.util
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

CHROMIUM = '/usr/bin/chromium'
SYSTEM_CHROMIUMS = [CHROMIUM, '/usr/bin/chromium-browser', '/snap/bin/chromium',
                    '/Applications/Chromium.app/Contents/MacOS/Chromium']
CHROMIUM_FLAGS = ['--disable-background-networking', '--disable-component-update', '--disable-sync',
                  '--no-first-run']  # a closed network: no update checks, no sync, no first-run fetches
ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / 'site'
SUB_PATH = 'microgpt'
PLAYWRIGHT_BROWSERS = ROOT / '.venv' / 'ms-playwright'  # build.py's PLAYWRIGHT_BROWSERS, the project's own cache

# Playwright reads where its browsers are when it starts: from the project's cache once build.py has put one there
if any(PLAYWRIGHT_BROWSERS.glob('*/INSTALLATION_COMPLETE')):
    os.environ.setdefault('PLAYWRIGHT_BROWSERS_PATH', str(PLAYWRIGHT_BROWSERS))


def _build_module():
    """build.py, for the server `build.py serve` uses (loaded by path: `build` is pypa's package here)."""
    spec = importlib.util.spec_from_file_location('microgpt_build', ROOT / 'build.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.cache
def playwright_chromium():
    """Whether Playwright's own Chromium and its headless shell are installed where this Playwright looks."""
    out = subprocess.run([sys.executable, '-m', 'playwright', 'install', '--dry-run', 'chromium'],
                         capture_output=True, text=True)
    places = [Path(line.split(':', 1)[1].strip()) for line in out.stdout.splitlines()
              if line.strip().startswith('Install location:')]
    chromium = [place for place in places if place.name.startswith('chromium')]
    return bool(chromium) and all((place / 'INSTALLATION_COMPLETE').exists() for place in chromium)


def launch_args(base=None):
    """Playwright's `chromium.launch()` keyword arguments."""
    base = base or {}
    args = {**base, 'args': [*base.get('args', []), *CHROMIUM_FLAGS]}
    system = next((path for path in SYSTEM_CHROMIUMS if os.path.exists(path)), None)
    if system and not playwright_chromium():
        args['executable_path'] = system
    if hasattr(os, 'geteuid') and os.geteuid() == 0:
        args['chromium_sandbox'] = False  # root cannot use Chromium's sandbox
    return args


@contextlib.contextmanager
def serve_site(site=SITE):
    """Serve `site` at http://127.0.0.1:PORT/microgpt/; yields that URL."""
    if not (site / 'index.html').exists():
        raise RuntimeError(f"no {site}/index.html: build the site first (`python build.py`)")
    with tempfile.TemporaryDirectory() as root:
        (Path(root) / SUB_PATH).symlink_to(site, target_is_directory=True)
        build = _build_module()
        server = build.SiteServer(('127.0.0.1', 0), functools.partial(build.SiteHandler, directory=root))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield f'http://127.0.0.1:{server.server_port}/{SUB_PATH}/'
        finally:
            server.shutdown()
            server.server_close()
