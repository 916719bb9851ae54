"""The browser and the web server that the page tests, the benchmark and the screenshot script share.

The browser is Debian's Chromium at /usr/bin/chromium when present (Playwright cannot download its own on the
project's machines), else Playwright's own (`playwright install chromium`). The site is served on 127.0.0.1 under a
sub-path, as GitHub Pages serves a project at /REPO/, so any absolute URL in the site would fail the tests.
"""

import contextlib
import functools
import importlib.util
import os
import tempfile
import threading
from pathlib import Path

CHROMIUM = '/usr/bin/chromium'
CHROMIUM_FLAGS = ['--disable-background-networking', '--disable-component-update', '--disable-sync',
                  '--no-first-run']  # a closed network: no update checks, no sync, no first-run fetches
ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / 'site'
SUB_PATH = 'microgpt'


def _build_module():
    """build.py, for the server `build.py serve` uses (loaded by path: `build` is pypa's package here)."""
    spec = importlib.util.spec_from_file_location('microgpt_build', ROOT / 'build.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def launch_args(base=None):
    """Playwright's `chromium.launch()` keyword arguments."""
    base = base or {}
    args = {**base, 'args': [*base.get('args', []), *CHROMIUM_FLAGS]}
    if os.path.exists(CHROMIUM):
        args['executable_path'] = CHROMIUM
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
