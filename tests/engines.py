"""Firefox and WebKit for the page's smoke tests (test_page_engines), each driven as it is installed, with one small
interface over both: `Tab`.

- Firefox: Debian's Firefox ESR (`firefox-esr`, else a `firefox`), driven over WebDriver BiDi by Puppeteer
  (`puppeteer-core`, pinned in web/package.json) through tests/firefox_bridge.mjs. Playwright drives only its own
  patched Firefox, which cannot be downloaded here, and its BiDi mode asks for commands ESR lacks; Selenium would need
  geckodriver, which Debian does not package.
- WebKit: WebKitGTK's MiniBrowser, Safari's engine, driven by its own WebDriver server (`WebKitWebDriver`, Debian's
  `webkit2gtk-driver`) with Selenium (pinned in the dev extra). MiniBrowser has no headless mode: it runs on an X
  display of its own, an Xvfb started for the tests (or the session's DISPLAY where there is no Xvfb). It needs no
  flag as root: MiniBrowser runs its web process without WebKit's sandbox.

Neither driver downloads files or reports every console error the way Playwright does, so the page's downloads are
taken where the page makes them (`saveFile` in dom.js: a blob and a link's click) and, in WebKit, its errors are
collected by listeners added once it has loaded (a failure while it starts is shown on the page instead: boot.js).
"""

import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
PUPPETEER = ROOT / 'web' / 'node_modules' / 'puppeteer-core'
INSTALL = {'firefox': 'Firefox ESR (Debian: `apt-get install firefox-esr`)',
           'webkit': 'WebKitGTK\'s WebDriver (Debian/Ubuntu: `apt-get install webkit2gtk-driver xvfb`)'}

# The page's saveFile (dom.js) makes a blob URL and clicks a link to it: keep each such file's name and text instead
TAKE_DOWNLOADS = """
if (window.smokeDownloads) return;
window.smokeDownloads = [];
const blobs = new Map();
const createObjectURL = URL.createObjectURL;
URL.createObjectURL = (object) => {
  const url = createObjectURL.call(URL, object);
  blobs.set(url, object);
  return url;
};
HTMLAnchorElement.prototype.click = function () {
  const file = { name: this.download, text: null };
  window.smokeDownloads.push(file);
  blobs.get(this.href).text().then((text) => { file.text = text; });
};
"""
# WebKit: the page's uncaught errors and console.error, from the moment this runs
TAKE_ERRORS = """
if (window.smokeErrors) return;
window.smokeErrors = [];
addEventListener('error', (event) => window.smokeErrors.push(String(event.message)));
addEventListener('unhandledrejection', (event) => {
  window.smokeErrors.push(String(event.reason?.message ?? event.reason));
});
const error = console.error;
console.error = (...args) => {
  window.smokeErrors.push(args.map(String).join(' '));
  error.apply(console, args);
};
"""


def firefox_path():
    return shutil.which('firefox-esr') or shutil.which('firefox')


def missing(engine):
    """Why this browser cannot run here (what to install), or None."""
    if engine == 'firefox' and not firefox_path():
        return f"no Firefox: install {INSTALL['firefox']}"
    if engine == 'webkit' and not shutil.which('WebKitWebDriver'):
        return f"no WebKitWebDriver: install {INSTALL['webkit']}"
    if engine == 'webkit' and not (shutil.which('Xvfb') or os.environ.get('DISPLAY')):
        return f"no Xvfb and no DISPLAY for WebKitGTK's MiniBrowser: install {INSTALL['webkit']}"
    return None


class Tab:
    """One page in one browser: what the smoke tests do to it, in either browser."""

    name = ''

    def goto(self, url):
        raise NotImplementedError

    def js(self, body, *args):
        """Run the body of a function in the page (with `args` as `arguments`); its JSON-able return value."""
        raise NotImplementedError

    def click(self, selector):
        raise NotImplementedError

    def fill(self, selector, text):
        raise NotImplementedError

    def upload(self, selector, path):
        raise NotImplementedError

    def errors(self):
        raise NotImplementedError

    def close(self):
        pass

    # ---- the same in every browser ----

    def text(self, selector):
        return self.js('return document.querySelector(arguments[0])?.textContent ?? null', selector)

    def phase(self):
        return self.js("return document.querySelector('#status').dataset.phase")

    def wait(self, body, what, *args, timeout=60):
        """Poll until the function body returns something true; that value. Fails early if the page crashed."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.js(body, *args)
            if value:
                return value
            if self.phase() == 'crashed' or time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: no {what} within {timeout} s; #status says {self.text('#status')!r}"
                                     f" ({self.phase()}); page errors: {self.errors()}")
            time.sleep(0.1)

    def wait_phase(self, phase, timeout=60):
        self.wait("return document.querySelector('#status').dataset.phase === arguments[0]", f"phase {phase}",
                  phase, timeout=timeout)

    def wait_text(self, selector, part, timeout=60):
        """Until the element's text contains `part`; its whole text."""
        return self.wait('const t = document.querySelector(arguments[0])?.textContent ?? ""; '
                         'return t.includes(arguments[1]) && t', f"{part!r} in {selector}", selector, part,
                         timeout=timeout)

    def download(self, selector):
        """Click a download button; the file the page offers, as (name, text)."""
        self.js(TAKE_DOWNLOADS)
        count = self.js('return window.smokeDownloads.length')
        self.click(selector)
        file = self.wait('const f = window.smokeDownloads[arguments[0]]; return f?.text != null && f',
                         f"download from {selector}", count, timeout=30)
        return file['name'], file['text']


class FirefoxTab(Tab):
    name = 'Firefox'

    def __init__(self, bridge):
        self.bridge = bridge

    def goto(self, url):
        self.bridge.call('goto', url)

    def js(self, body, *args):
        return self.bridge.call('evaluate', body, args)

    def click(self, selector):
        self.bridge.call('click', selector)

    def fill(self, selector, text):
        self.bridge.call('fill', selector, text)

    def upload(self, selector, path):
        self.bridge.call('upload', selector, str(path))

    def errors(self):
        return self.bridge.call('errors')


class Firefox:
    """tests/firefox_bridge.mjs, running: Puppeteer with one Firefox, a fresh context for each tab."""

    def __init__(self):
        if not PUPPETEER.exists():
            raise RuntimeError(f"no {PUPPETEER}: run the tests with `python build.py test` (it runs `npm ci`)")
        self.process = subprocess.Popen(['node', TESTS / 'firefox_bridge.mjs', firefox_path()], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        self.version = self.call('version', timeout=60)

    def call(self, method, *args, timeout=120):
        self.process.stdin.write(json.dumps({'method': method, 'args': args}) + '\n')
        self.process.stdin.flush()
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        line = self.process.stdout.readline() if ready else ''
        if not line:
            raise RuntimeError(f"Firefox's bridge gave no answer to {method} within {timeout} s "
                               f"(exit status {self.process.poll()})")
        reply = json.loads(line)
        if 'error' in reply:
            raise RuntimeError(f"Firefox: {method}: {reply['error']}")
        return reply['value']

    def tab(self):
        self.call('newTab')
        return FirefoxTab(self)

    def close(self):
        self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


class WebKitTab(Tab):
    name = 'WebKit'

    def __init__(self, display, lang):
        from selenium import webdriver
        from selenium.webdriver.common.by import By
        self.by = By.CSS_SELECTOR
        env = {**os.environ, 'DISPLAY': display, 'LANG': lang, 'LC_ALL': lang}
        service = webdriver.WebKitGTKService(executable_path=shutil.which('WebKitWebDriver'), env=env)
        self.driver = webdriver.WebKitGTK(service=service)
        self.driver.set_script_timeout(30)

    def goto(self, url):
        self.driver.get(url)
        self.js(TAKE_ERRORS)

    def js(self, body, *args):
        return self.driver.execute_script(body, *args)

    def click(self, selector):
        self.driver.find_element(self.by, selector).click()

    def fill(self, selector, text):
        field = self.driver.find_element(self.by, selector)
        field.clear()
        field.send_keys(text)

    def upload(self, selector, path):
        self.driver.find_element(self.by, selector).send_keys(str(path))

    def errors(self):
        return self.js('return window.smokeErrors ?? []')

    def close(self):
        self.driver.quit()


class WebKit:
    """An X display for MiniBrowser: a new Xvfb's, else the session's; a new browser for each tab."""

    def __init__(self):
        self.xvfb = None
        if shutil.which('Xvfb'):
            read, write = os.pipe()
            self.xvfb = subprocess.Popen(['Xvfb', '-displayfd', str(write), '-screen', '0', '1280x1024x24',
                                          '-nolisten', 'tcp'], pass_fds=[write], stderr=subprocess.DEVNULL)
            os.close(write)
            with os.fdopen(read) as lines:
                number = lines.readline().strip()
            if not number:
                raise RuntimeError(f"Xvfb did not start (exit status {self.xvfb.poll()})")
            self.display = f':{number}'
        else:
            self.display = os.environ['DISPLAY']

    def tab(self, lang='en_US.UTF-8'):
        return WebKitTab(self.display, lang)

    def close(self):
        if self.xvfb:
            self.xvfb.terminate()
            self.xvfb.wait(timeout=30)
