"""build.py itself: what each command needs, checked first, and the build's bytes.

A missing tool stops a command before it sets anything up, in one line (on stderr, exit status 2) saying what is
missing and how to get it. Each case is simulated, not uninstalled: an old or missing Python (fake interpreters), one
without venv (ensurepip shadowed), no Node.js, an old one or no npm (fake commands on PATH), no Chromium (Playwright's
own error) with no network to download Playwright's (for real where cdn.playwright.dev is unreachable). The build
gives the same bytes twice from the same checkout, so the site the deploy tests is the site a developer builds.
"""

import os
import socket
import subprocess
import sys

import pytest

import browser
from conftest import ROOT

WORKFLOWS = ROOT / '.github' / 'workflows'
GET_NODE = ("(Debian/Ubuntu: `sudo apt-get install nodejs npm`; Fedora: `sudo dnf install nodejs npm`; "
            "macOS: `brew install node`; or https://nodejs.org)")


@pytest.fixture
def build():
    """A fresh copy of build.py's module, for each test to change."""
    return browser._build_module()


def stops(build_check, capsys, *args):
    """What a check printed when it stopped the command: its one line (it must stop, with status 2, no traceback)."""
    with pytest.raises(SystemExit) as stop:
        build_check(*args)
    assert stop.value.code == 2
    out, err = capsys.readouterr()
    assert err.count('\n') == 1
    return err.rstrip('\n')


def script(path, text):
    path.write_text(f"#!/bin/sh\n{text}\n")
    path.chmod(0o755)
    return path


# ---- Python >= 3.12 with venv, for .venv ----

def test_no_python_312(build, tmp_path, monkeypatch, capsys):
    old = script(tmp_path / 'python3.11', 'echo False')  # what `print(sys.version_info >= (3, 12))` says on 3.11
    monkeypatch.setattr(build, 'VENV', tmp_path / '.venv')
    monkeypatch.setattr(build, 'python_candidates', lambda: [str(old), str(tmp_path / 'python3.12')])
    assert stops(build.check_python, capsys) == (
        "build.py: no Python >= 3.12 found on PATH or in pyenv (pyodide-build needs one): install one (Debian "
        "13/Ubuntu 24.04+: `sudo apt-get install python3 python3-venv`; older Debian/Ubuntu: `pyenv install 3.13`; "
        "Fedora: `sudo dnf install python3`; macOS: `brew install python@3.13`)")


@pytest.mark.skipif(sys.version_info < (3, 12), reason="needs this Python to be >= 3.12")
def test_a_python_without_venv(build, tmp_path, monkeypatch, capsys):
    """Debian's python3.X without python3.X-venv: venv imports, ensurepip does not."""
    (tmp_path / 'lib').mkdir()
    (tmp_path / 'lib' / 'ensurepip.py').write_text("raise ModuleNotFoundError(\"No module named 'ensurepip'\")\n")
    python = script(tmp_path / 'python3.13', f'PYTHONPATH={tmp_path / "lib"} exec {sys.executable} "$@"')
    monkeypatch.setattr(build, 'VENV', tmp_path / '.venv')
    monkeypatch.setattr(build, 'python_candidates', lambda: [str(python)])
    version = '%d.%d' % sys.version_info[:2]
    assert stops(build.check_python, capsys) == (
        f"build.py: {python} (Python {version}) has no venv module with ensurepip, which .venv needs: install it "
        f"(Debian/Ubuntu: `sudo apt-get install python{version}-venv`; Fedora's and Homebrew's Pythons have it)")


@pytest.mark.skipif(sys.version_info < (3, 12), reason="needs this Python to be >= 3.12")
def test_the_python_for_venv(build, tmp_path, monkeypatch):
    monkeypatch.setattr(build, 'VENV', tmp_path / '.venv')
    monkeypatch.setattr(build, 'python_candidates', lambda: [str(tmp_path / 'python3.14'), sys.executable])
    assert build.check_python() == sys.executable
    (tmp_path / '.venv' / 'bin').mkdir(parents=True)
    (tmp_path / '.venv' / 'bin' / 'python').touch()
    assert build.check_python() is None  # .venv made: no other Python is needed


# ---- Node.js 18+ with npm ----

@pytest.fixture
def path(tmp_path, monkeypatch):
    """An empty folder as the whole PATH, for fake `node` and `npm` commands."""
    bin = tmp_path / 'bin'
    bin.mkdir()
    monkeypatch.setenv('PATH', str(bin))
    return bin


def test_no_node(build, path, capsys):
    script(path / 'npm', 'exit 0')
    assert stops(build.check_node, capsys) == (
        f"build.py: no Node.js on PATH (`node`): the build needs Node.js 18+ with npm: install it {GET_NODE}")


@pytest.mark.parametrize('version', ['v16.20.2', 'v8.10.0', ''])
def test_an_old_node(build, path, capsys, version):
    script(path / 'node', f'echo {version}')
    script(path / 'npm', 'exit 0')
    assert stops(build.check_node, capsys) == (
        f"build.py: Node.js {version or '?'} is too old: the build needs Node.js 18+: install a newer one {GET_NODE}")


def test_no_npm(build, path, capsys):
    script(path / 'node', 'echo v20.19.5')
    assert stops(build.check_node, capsys) == (
        "build.py: no npm on PATH beside Node.js v20.19.5 (it installs web/'s packages): install it " + GET_NODE)


@pytest.mark.parametrize('version', ['v18.0.0', 'v22.12.0', 'v100.0.0'])
def test_node_and_npm(build, path, capsys, version):
    script(path / 'node', f'echo {version}')
    script(path / 'npm', 'exit 0')
    assert build.check_node() is None
    assert capsys.readouterr() == ('', '')


def test_the_commands_check_before_anything(build, path, monkeypatch, capsys):
    """No Node.js: serve, test and bench stop before a build (or a test, or a browser check)."""
    for name in ['build_site', 'check_browser', 'venv_python']:
        monkeypatch.setattr(build, name, lambda *args: pytest.fail("ran past the checks"))
    for command in ['site', 'serve', 'test', 'bench']:
        assert stops(build.main, capsys, [command]).startswith("build.py: no Node.js on PATH")


def test_test_checks_the_browser_before_building(build, monkeypatch, capsys):
    monkeypatch.setattr(build, 'check_node', lambda: None)
    monkeypatch.setattr(build, 'venv_python', lambda: sys.executable)
    monkeypatch.setattr(build, 'check_browser', lambda python: build.fail("no browser"))
    monkeypatch.setattr(build, 'build_site', lambda *args: pytest.fail("built with no browser"))
    for command in ['test', 'bench']:
        assert stops(build.main, capsys, [command]) == "build.py: no browser"


# ---- a Chromium for the browser tests ----

NO_CHROMIUM = (
    "build.py: no Chromium for the browser tests, and Playwright's could not be downloaded: install one (Debian: "
    "`sudo apt-get install chromium`; Ubuntu: `sudo snap install chromium`; Fedora: `sudo dnf install chromium`; "
    "macOS: `brew install --cask chromium`), or run `.venv/bin/playwright install chromium` where cdn.playwright.dev "
    "is reachable")


@pytest.fixture(scope='module')
def no_executable(tmp_path_factory):
    """Playwright's own error, for real, on a machine with neither a system Chromium nor Playwright's."""
    empty = tmp_path_factory.mktemp('no-browsers')
    out = subprocess.run([sys.executable, '-c', 'from playwright.sync_api import sync_playwright\n'
                          'with sync_playwright() as p:\n    p.chromium.launch()'],
                         env={**os.environ, 'PLAYWRIGHT_BROWSERS_PATH': str(empty)}, capture_output=True, text=True)
    assert out.returncode != 0 and "Executable doesn't exist" in out.stderr
    return out.stderr


MISSING_LIBRARIES = '''Traceback (most recent call last):
  File "<string>", line 5, in <module>
    p.chromium.launch(**browser.launch_args()).close()
    ~~~~~~~~~~~~~~~~~^^^^^^^^^^^^^^^^^^^^^^^^^
playwright._impl._errors.Error: BrowserType.launch:
╔══════════════════════════════════════════════════════╗
║ Host system is missing dependencies to run browsers. ║
║ Please install them with the following command:      ║
║                                                      ║
║     sudo playwright install-deps                     ║
║                                                      ║
║ <3 Playwright Team                                   ║
╚══════════════════════════════════════════════════════╝'''


def probes(build, monkeypatch, *errors):
    """browser_error() says, in turn, each of `errors` (None: the browser starts)."""
    errors = list(errors)
    monkeypatch.setattr(build, 'browser_error', lambda python: errors.pop(0))
    return errors


def test_the_tests_chromium_starts(build):
    """The probe launches the browser the tests launch, as they launch it (here: whichever this machine has)."""
    assert build.browser_error(sys.executable) is None


def test_no_chromium_and_no_network(build, no_executable, tmp_path, monkeypatch, capsys):
    """Playwright's download tried for real, into the project's cache (here a temporary one), and failing."""
    try:
        socket.getaddrinfo('cdn.playwright.dev', 443)
        pytest.skip("this machine reaches cdn.playwright.dev: the download would succeed (GitHub's runners do it)")
    except OSError:
        pass
    probes(build, monkeypatch, no_executable)
    monkeypatch.delenv('PLAYWRIGHT_BROWSERS_PATH', raising=False)
    monkeypatch.setattr(build, 'PLAYWRIGHT_BROWSERS', tmp_path / 'ms-playwright')
    assert stops(build.check_browser, capsys, sys.executable) == NO_CHROMIUM
    assert not list((tmp_path / 'ms-playwright').glob('*/INSTALLATION_COMPLETE'))


def test_no_chromium_and_a_failed_download(build, no_executable, monkeypatch, capsys):
    probes(build, monkeypatch, no_executable)
    monkeypatch.setattr(build, 'install_playwright_chromium', lambda: False)
    assert stops(build.check_browser, capsys, sys.executable) == NO_CHROMIUM


def test_no_chromium_and_a_download(build, no_executable, monkeypatch, capsys):
    """The machine reaches Playwright's download: it is installed, and the tests run with it."""
    left = probes(build, monkeypatch, no_executable, None)
    monkeypatch.setattr(build, 'install_playwright_chromium', lambda: True)
    assert build.check_browser(sys.executable) is None
    assert left == [] and capsys.readouterr().err == ''


def test_a_chromium_that_does_not_start(build, no_executable, monkeypatch, capsys):
    """Playwright's downloaded, but the system lacks its libraries (a fresh Debian): said in one line, not 25 errors."""
    probes(build, monkeypatch, no_executable, MISSING_LIBRARIES)
    monkeypatch.setattr(build, 'install_playwright_chromium', lambda: True)
    assert stops(build.check_browser, capsys, sys.executable) == (
        "build.py: the browser tests' Chromium does not start: Host system is missing dependencies to run browsers. "
        "(Playwright's Chromium needs its system libraries: `sudo .venv/bin/playwright install-deps chromium`)")
    probes(build, monkeypatch, "it did not start within 180 s")
    assert stops(build.check_browser, capsys, sys.executable) == (
        "build.py: the browser tests' Chromium does not start: it did not start within 180 s")


def test_the_first_line_of_playwrights_errors(build, no_executable):
    assert build.first_line(no_executable).startswith("Executable doesn't exist at ")
    assert build.first_line(MISSING_LIBRARIES) == "Host system is missing dependencies to run browsers."


def test_which_chromium(tmp_path, monkeypatch):
    """Playwright's own where installed (GitHub's runners), else the system's: Debian's first, as always."""
    assert browser.SYSTEM_CHROMIUMS[0] == browser.CHROMIUM == '/usr/bin/chromium'
    if os.path.exists(browser.CHROMIUM) and not browser.playwright_chromium():  # this project's machines
        assert browser.launch_args()['executable_path'] == browser.CHROMIUM
    fedora = script(tmp_path / 'chromium-browser', 'exit 0')
    monkeypatch.setattr(browser, 'SYSTEM_CHROMIUMS', [str(tmp_path / 'chromium'), str(fedora)])
    monkeypatch.setattr(browser, 'playwright_chromium', lambda: False)
    args = browser.launch_args({'args': ['--x'], 'headless': True})
    assert args['executable_path'] == str(fedora) and args['headless'] is True
    assert args['args'] == ['--x', *browser.CHROMIUM_FLAGS]
    monkeypatch.setattr(browser, 'playwright_chromium', lambda: True)
    assert 'executable_path' not in browser.launch_args()
    monkeypatch.setattr(browser, 'SYSTEM_CHROMIUMS', [str(tmp_path / 'chromium')])
    monkeypatch.setattr(browser, 'playwright_chromium', lambda: pytest.fail("asked with no system Chromium"))
    assert 'executable_path' not in browser.launch_args()  # Playwright's, or its own error saying to install it


def test_one_project_cache(build):
    assert build.PLAYWRIGHT_BROWSERS == browser.PLAYWRIGHT_BROWSERS


def test_firefox_and_webkit_are_optional(build, tmp_path, monkeypatch, capsys):
    """Without them `test` goes on, saying in one line that their smoke tests are skipped; with them, nothing."""
    monkeypatch.setenv('PATH', str(tmp_path))
    monkeypatch.delenv('DISPLAY', raising=False)
    build.note_other_browsers()
    assert capsys.readouterr().out == (
        "build.py: no Firefox and no WebKitGTK's WebDriver and no Xvfb: the page's smoke tests in Firefox and WebKit "
        "are skipped where they are missing (Debian/Ubuntu: `sudo apt-get install firefox-esr webkit2gtk-driver "
        "xvfb`)\n")
    for name in ['firefox-esr', 'WebKitWebDriver', 'Xvfb']:
        script(tmp_path / name, 'exit 0')
    build.note_other_browsers()
    assert capsys.readouterr() == ('', '')


# ---- the build, and the deploy ----

def test_the_same_checkout_builds_the_same_bytes(build, tmp_path):
    """Two builds of this checkout (its .venv and node_modules, no network), file by file: the wheel's dates and
    modes, the standard library's bytecode, the editor bundle, the lock file and sw.js's version all reproduce."""
    for name in ['a', 'b']:
        build.build_site(tmp_path / name / 'site', tmp_path / name / 'dist')

    def files(site):
        return {path.relative_to(site).as_posix(): path.read_bytes() for path in sorted(site.rglob('*'))
                if path.is_file()}
    a, b = files(tmp_path / 'a' / 'site'), files(tmp_path / 'b' / 'site')
    assert sorted(a) == sorted(b)
    assert [name for name in a if a[name] != b[name]] == []
    assert any(name.endswith('.whl') for name in a) and 'sw.js' in a


def test_the_deploy_is_the_tested_site():
    """pages.yml deploys only after test.yml passed, the site/ it tested; pull requests run test.yml as well."""
    tests = (WORKFLOWS / 'test.yml').read_text()
    steps = ['uses: actions/checkout@', 'cache: pip', 'cache: npm', 'run: python build.py\n',
             'run: .venv/bin/playwright install --with-deps chromium', 'run: python build.py test',
             'if: inputs.pages', 'uses: actions/upload-pages-artifact@']
    assert sorted(steps, key=tests.index) == steps and all(step in tests for step in steps)
    assert 'pull_request:' in tests and 'workflow_call:' in tests
    pages = (WORKFLOWS / 'pages.yml').read_text()
    assert 'uses: ./.github/workflows/test.yml\n    with:\n      pages: true' in pages
    deploy = pages[pages.index('\n  deploy:'):]
    assert '    needs: test\n' in deploy and 'uses: actions/deploy-pages@' in deploy
    assert 'run:' not in pages and 'upload-pages-artifact' not in pages  # nothing built outside the tests' job
