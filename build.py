"""Build, serve, test and benchmark microgpt: the one entry point, for developers and CI.

    python build.py                      # build the static site into site/
    python build.py serve [--port 8000]  # build, then serve site/ on http://127.0.0.1:8000/
    python build.py test [PYTEST ARGS]   # build, then run every test (browser ones included)
    python build.py bench [--quick] [--steps N] [--original PATH/TO/microgpt.py]
                                         # build, then measure speed, load, responsiveness, memory
    python build.py bench --sweep [K]    # build, then measure sweeps: 1, 2 and K runs at once

On a fresh machine each command first sets up what it needs: a virtual environment in .venv with the pinned
Python tools (pyodide-build needs Python >= 3.12, so one is looked for), and `npm ci` in web/. test and bench also
need a Chromium that starts: Playwright's own where installed, else the system's (Debian's, which .ci/run installs);
with neither, Playwright's is downloaded into .venv/ms-playwright. What cannot be set up (no Python >= 3.12, no
venv module, no Node.js 18+ or npm, no Chromium and no way to download one) stops the command first, in one line
saying what to install. Firefox and WebKitGTK are optional: test says in one line that its smoke tests in them are
skipped where they are missing.
"""

import argparse
import base64
import functools
import gzip
import hashlib
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / '.venv'
WEB = ROOT / 'web'
DIST = ROOT / 'dist'
SITE = ROOT / 'site'
NODE_MODULES = WEB / 'node_modules'
PLAYWRIGHT_BROWSERS = VENV / 'ms-playwright'  # the project's own cache of Playwright's browsers (tests/browser.py)
NODE_MIN = 18  # Pyodide's and esbuild's oldest Node.js
WHEEL_SOURCES = ['pyproject.toml', 'README.md', 'microgpt']  # what setuptools reads to build the wheel
SOURCE_DATE_EPOCH = '315532800'  # 1980-01-01, zip's first date: the wheel's files carry it, not the build's time
PAGE_FILES = ['index.html', 'style.css', 'manifest.webmanifest', 'boot.js', 'nomodule.js', 'main.js', 'app.js',
              'sweep.js', 'dom.js', 'offline.js', 'store.js', 'settings.js', 'chart.js', 'protocol.js', 'worker.js',
              'session.py', 'panels/controls.js', 'panels/dataset.js', 'panels/loss.js', 'panels/names.js',
              'panels/runs.js', 'panels/settings-form.js', 'panels/compare.js', 'panels/inspect.js', 'panels/code.js',
              'panels/script.js', 'pyrepr.js',
              'views/heatmap.js', 'views/terminal.js', 'views/next-token.js', 'views/attention.js',
              'views/embeddings.js', 'views/gradient-check.js', 'views/graph.js', 'graph-layout.js', 'editor.js',
              'icons/icon.svg', 'icons/icon-192.png', 'icons/icon-512.png', 'icons/icon-maskable-512.png']
EDITOR_BUNDLE = 'vendor/codemirror/editor.js'  # CodeMirror, bundled from web/editor/entry.js
PYODIDE_FILES = ['pyodide.mjs', 'pyodide.asm.mjs', 'pyodide.asm.wasm']  # what a browser fetches, with the stdlib

# Pyodide ships its standard library as sources, which CPython compiles again at every start: most of the time
# loadPyodide() takes. The build compiles the modules the worker imports once, inside the same Pyodide under Node
# (so the bytecode is its CPython's), and adds them to the zip beside their sources, which tracebacks still show.
# Unchecked hash-based .pyc files (PEP 552): the zip never changes under them, so there is nothing to check.
PRECOMPILE_JS = """
import { writeFileSync } from 'node:fs';
const [pyodideDir, wheel, code, out] = process.argv.slice(1);
const { loadPyodide } = await import(`${pyodideDir}/pyodide.mjs`);
const pyodide = await loadPyodide({ indexURL: `${pyodideDir}/` });
await pyodide.loadPackage(wheel, { messageCallback: () => {} });
writeFileSync(out, pyodide.runPython(code).toJs());
"""
PRECOMPILE_PY = """
import sys
import microgpt, time  # what the worker's session.py imports, beside what Pyodide imports to start and install it

(stdlib,) = [path for path in sys.path if path.endswith('.zip')]
used = sorted({m.__file__[len(stdlib) + 1:] for m in list(sys.modules.values())
               if (getattr(m, '__file__', None) or '').startswith(stdlib + '/')})

import io, py_compile, zipfile
out = io.BytesIO()
with zipfile.ZipFile(stdlib) as src, zipfile.ZipFile(out, 'w') as dst:
    for info in src.infolist():
        dst.writestr(info, src.read(info))
    for name in used:
        with open('/tmp/module.py', 'wb') as f:
            f.write(src.read(name))
        py_compile.compile('/tmp/module.py', '/tmp/module.pyc', dfile=f'{stdlib}/{name}', doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        # dated as its source, not as the build: the same runtime always gives the same bytes, so caches keep it
        pyc = zipfile.ZipInfo(name + 'c', date_time=src.getinfo(name).date_time)
        with open('/tmp/module.pyc', 'rb') as f:
            dst.writestr(pyc, f.read(), zipfile.ZIP_DEFLATED, 9)
out.getbuffer()
"""


def log(message):
    print(f"build.py: {message}", flush=True)


def fail(message):
    """Stop before anything is set up or run: one line saying what is missing and how to get it."""
    print(f"build.py: {message}", file=sys.stderr, flush=True)
    sys.exit(2)


def run(*args, capture_output=False, **kwargs):
    """Run a command; a failure stops the build, with the command's output if it was captured."""
    try:
        out = subprocess.run([str(a) for a in args], capture_output=capture_output, text=True, **kwargs)
    except FileNotFoundError:
        sys.exit(f"build.py: cannot run {args[0]}: is it installed and on PATH? (see README.md, The two commands)")
    if out.returncode:
        sys.exit(f"build.py: failed ({out.returncode}): {' '.join(map(str, args))}\n"
                 f"{out.stdout or ''}{out.stderr or ''}")


# ---- what each command needs: each check stops the command in one line when it cannot be set up ----

def python_candidates():
    """This Python, those on PATH, those installed with pyenv."""
    pyenv_root = Path(os.environ.get('PYENV_ROOT', Path.home() / '.pyenv'))
    return [sys.executable, 'python3.14', 'python3.13', 'python3.12',
            *sorted(map(str, pyenv_root.glob('versions/3.1[2-9]*/bin/python3')), reverse=True)]


def find_python():
    """A Python >= 3.12, or None."""
    for python in python_candidates():
        try:
            out = subprocess.run([python, '-c', 'import sys; print(sys.version_info >= (3, 12))'],
                                 capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.returncode == 0 and out.stdout.strip() == 'True':
            return python
    return None


def check_python():
    """The Python that creates .venv, when there is none yet: >= 3.12 (pyodide-build), with venv and ensurepip."""
    if (VENV / 'bin' / 'python').exists():
        return None
    python = find_python()
    if python is None:
        fail("no Python >= 3.12 found on PATH or in pyenv (pyodide-build needs one): install one (Debian 13/Ubuntu "
             "24.04+: `sudo apt-get install python3 python3-venv`; older Debian/Ubuntu: `pyenv install 3.13`; "
             "Fedora: `sudo dnf install python3`; macOS: `brew install python@3.13`)")
    out = subprocess.run([python, '-c', 'import sys; print("%d.%d" % sys.version_info[:2]); import venv, ensurepip'],
                         capture_output=True, text=True)
    if out.returncode:
        version = out.stdout.strip()
        fail(f"{python} (Python {version}) has no venv module with ensurepip, which .venv needs: install it "
             f"(Debian/Ubuntu: `sudo apt-get install python{version}-venv`; Fedora's and Homebrew's Pythons have it)")
    return python


def check_node():
    """Node.js 18+ (Pyodide under Node, esbuild) with npm (`npm ci` in web/)."""
    get = "(Debian/Ubuntu: `sudo apt-get install nodejs npm`; Fedora: `sudo dnf install nodejs npm`; " \
          "macOS: `brew install node`; or https://nodejs.org)"
    if not shutil.which('node'):
        fail(f"no Node.js on PATH (`node`): the build needs Node.js {NODE_MIN}+ with npm: install it {get}")
    out = subprocess.run(['node', '--version'], capture_output=True, text=True)
    version = out.stdout.strip()
    major = version[1:].split('.')[0] if version.startswith('v') else ''
    if not (major.isdigit() and int(major) >= NODE_MIN):
        fail(f"Node.js {version or '?'} is too old: the build needs Node.js {NODE_MIN}+: "
             f"install a newer one {get}")
    if not shutil.which('npm'):
        fail(f"no npm on PATH beside Node.js {version} (it installs web/'s packages): install it {get}")


PROBE_BROWSER = """
import browser
from playwright.sync_api import sync_playwright
with sync_playwright() as p:
    p.chromium.launch(**browser.launch_args()).close()
"""


def browser_error(python):
    """Why the Chromium the browser tests launch (tests/browser.py's choice) does not start; None when it does."""
    try:
        out = subprocess.run([python, '-c', PROBE_BROWSER], cwd=ROOT / 'tests', capture_output=True, text=True,
                             timeout=180)
    except subprocess.TimeoutExpired:
        return "it did not start within 180 s"
    return (out.stderr.strip() or f"exit status {out.returncode}") if out.returncode else None


def install_playwright_chromium():
    """`playwright install chromium`, into the project's own cache (or PLAYWRIGHT_BROWSERS_PATH); whether it did."""
    env = {'PLAYWRIGHT_BROWSERS_PATH': str(PLAYWRIGHT_BROWSERS), **os.environ}
    log(f"no Chromium: downloading Playwright's into {env['PLAYWRIGHT_BROWSERS_PATH']} (playwright install chromium)")
    try:
        out = subprocess.run([VENV / 'bin' / 'playwright', 'install', 'chromium'], env=env, capture_output=True,
                             text=True, timeout=1800)
    except subprocess.TimeoutExpired:
        return False
    return out.returncode == 0


def first_line(error):
    """A Python traceback's exception, its first line of text: without its type, Playwright's frame or box."""
    lines = error.splitlines()
    frames = [i for i, line in enumerate(lines) if line.startswith('  File ')]
    lines = lines[frames[-1] + 1:] if frames else lines
    while lines and lines[0].startswith(' '):  # the frame's code
        lines.pop(0)
    for line in lines:
        text = re.sub(r'^([\w.]*(Error|Exception): )?(BrowserType\.launch: ?)?', '', line.strip(' ║╔╗╚╝═'))
        if text:
            return text
    return error.strip()


def check_browser(python):
    """test and bench: a Chromium that starts, before any test runs. With none (no system Chromium, no Playwright's),
    Playwright's own is downloaded when the machine reaches it; else one line says what to install."""
    error = browser_error(python)
    if error and "Executable doesn't exist" in error:
        if not install_playwright_chromium():
            fail("no Chromium for the browser tests, and Playwright's could not be downloaded: install one (Debian: "
                 "`sudo apt-get install chromium`; Ubuntu: `sudo snap install chromium`; Fedora: `sudo dnf install "
                 "chromium`; macOS: `brew install --cask chromium`), or run `.venv/bin/playwright install chromium` "
                 "where cdn.playwright.dev is reachable")
        error = browser_error(python)
    if error:
        hint = (" (Playwright's Chromium needs its system libraries: "
                "`sudo .venv/bin/playwright install-deps chromium`)") if 'missing dependencies' in error else ''
        fail(f"the browser tests' Chromium does not start: {first_line(error)}{hint}")


def note_other_browsers():
    """test: Firefox and WebKitGTK are optional. Without them the page's smoke tests in them (test_page_engines) are
    skipped, which one line says here (under CI, which installs them, those tests fail instead)."""
    found = {'Firefox': shutil.which('firefox-esr') or shutil.which('firefox'),
             "WebKitGTK's WebDriver": shutil.which('WebKitWebDriver'),
             'Xvfb': shutil.which('Xvfb') or os.environ.get('DISPLAY')}
    missing = [name for name, where in found.items() if not where]
    if missing:
        log(f"no {' and no '.join(missing)}: the page's smoke tests in Firefox and WebKit are skipped where they are "
            "missing (Debian/Ubuntu: `sudo apt-get install firefox-esr webkit2gtk-driver xvfb`)")


# ---- the build ----


def venv_python():
    """The project's virtual environment, created or updated when pyproject.toml changed."""
    python = VENV / 'bin' / 'python'
    stamp = VENV / '.pyproject.sha256'
    wanted = hashlib.sha256((ROOT / 'pyproject.toml').read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    if not python.exists():
        log(f"creating {VENV.name}")
        run(check_python(), '-m', 'venv', VENV)
    log("installing the Python tools (pyproject.toml's dev extra)")
    run(python, '-m', 'pip', 'install', '--quiet', '--upgrade', 'pip', capture_output=True)
    run(python, '-m', 'pip', 'install', '--quiet', '-e', f'{ROOT}[dev]', capture_output=True)
    stamp.write_text(wanted)
    return python


def npm_packages():
    """web/node_modules from the lock file, reinstalled when the lock file changed."""
    lock = WEB / 'package-lock.json'
    stamp = WEB / 'node_modules' / '.package-lock.sha256'
    wanted = hashlib.sha256(lock.read_bytes()).hexdigest()
    if not (stamp.exists() and stamp.read_text() == wanted):
        log("npm ci (web/)")
        run('npm', 'ci', '--no-audit', '--no-fund', cwd=WEB)
        stamp.write_text(wanted)


def build_wheel(python, dist):
    """The py3-none-any wheel Pyodide installs; returns its path. Built from a fresh copy of its sources (no leftover
    of an earlier build/ can enter it), their modes fixed and their dates SOURCE_DATE_EPOCH's: the same sources give
    the same bytes, on any machine and at any time, and with them the same site."""
    if dist.exists():
        shutil.rmtree(dist)
    with tempfile.TemporaryDirectory() as tmp:
        for name in WHEEL_SOURCES:
            source = ROOT / name
            for path in [source, *sorted(source.rglob('*'))] if source.is_dir() else [source]:
                if '__pycache__' in path.parts or path.suffix == '.pyc':
                    continue
                copy = Path(tmp) / path.relative_to(ROOT)
                if path.is_dir():
                    copy.mkdir(mode=0o755)
                else:
                    copy.write_bytes(path.read_bytes())
                    copy.chmod(0o644)
        # -P: the current directory holds this build.py, which must not shadow pypa's `build` package
        run(python, '-P', '-m', 'build', '--wheel', '--outdir', dist, tmp, capture_output=True,
            env={**os.environ, 'SOURCE_DATE_EPOCH': SOURCE_DATE_EPOCH})
    (wheel,) = dist.glob('microgpt-*-py3-none-any.whl')
    return wheel


def build_site(site=None, dist=None):
    """site/: the page, the front-end packages, the Pyodide runtime and the wheel registered in its lock file.
    (`site` and `dist`, the wheel's folder, default to site/ and dist/.)"""
    site, dist = site or SITE, dist or DIST
    python = venv_python()
    npm_packages()
    wheel = build_wheel(python, dist)
    if site.exists():
        shutil.rmtree(site)
    site.mkdir()
    for name in PAGE_FILES:
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(WEB / name, site / name)
    # the front-end packages the page imports, as their ES modules (Graphviz and Panzoom: only once the graph opens)
    for package, folder, names in [('uplot', 'uplot', ['uPlot.esm.js', 'uPlot.min.css']),
                                   ('@viz-js/viz', 'viz', ['viz.js']),
                                   ('@panzoom/panzoom', 'panzoom', ['panzoom.es.js'])]:
        (site / 'vendor' / folder).mkdir(parents=True)
        for name in names:
            shutil.copy(NODE_MODULES / package / 'dist' / name, site / 'vendor' / folder / name)
    bundle_editor(site / EDITOR_BUNDLE)

    # The runtime lives under a path naming its version, and the wheel under its own hash, so a cached copy of
    # either is never paired with a lock file that expects another (Pyodide checks the wheel's sha256); the worker
    # revalidates the lock file itself on every visit.
    version = json.loads((NODE_MODULES / 'pyodide' / 'package.json').read_text())['version']
    runtime = site / 'pyodide' / version
    runtime.mkdir(parents=True)
    for name in PYODIDE_FILES:
        shutil.copy(NODE_MODULES / 'pyodide' / name, runtime / name)
    run('node', '--input-type=module', '-e', PRECOMPILE_JS, NODE_MODULES / 'pyodide', wheel, PRECOMPILE_PY,
        runtime / 'python_stdlib.zip', capture_output=True)
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()[:16]
    (runtime / 'wheels' / digest).mkdir(parents=True)
    site_wheel = shutil.copy(wheel, runtime / 'wheels' / digest / wheel.name)
    run(VENV / 'bin' / 'pyodide', 'lockfile', 'add-wheels', '--input', NODE_MODULES / 'pyodide' / 'pyodide-lock.json',
        '--output', runtime / 'pyodide-lock.json', '--base-path', runtime, site_wheel, capture_output=True)
    trim_lock_file(runtime / 'pyodide-lock.json')
    # the bytes the worker counts while the runtime downloads (what Pyodide fetches; its .mjs files are imports)
    sizes = {path.name: path.stat().st_size for path in [runtime / 'pyodide.asm.wasm', runtime / 'python_stdlib.zip',
                                                          Path(site_wheel)]}
    (site / 'runtime.js').write_text(
        "// Generated by build.py: where this site keeps the Pyodide runtime and its lock file (relative URLs).\n"
        f"export {{ loadPyodide }} from './pyodide/{version}/pyodide.mjs';\n"
        f"export const indexURL = new URL('./pyodide/{version}/', import.meta.url).href;\n"
        f"export const lockFileURL = new URL('./pyodide/{version}/pyodide-lock.json', import.meta.url).href;\n"
        f"export const runtimeBytes = {json.dumps(sizes)};\n")
    write_service_worker(f"{version}-{digest}", site)
    log(f"built {site.relative_to(ROOT) if site.is_relative_to(ROOT) else site}/ (Pyodide {version}, {wheel.name})")


def bundle_editor(out):
    """The Code panel's editor: CodeMirror and its Python mode in one self-contained ES module (the page's CSP
    allows no inline import map, so no bare specifier may remain), minified; the same sources give the same bytes."""
    out.parent.mkdir(parents=True, exist_ok=True)
    versions = ', '.join(f"{name} {json.loads((NODE_MODULES / name / 'package.json').read_text())['version']}"
                         for name in ['codemirror', '@codemirror/view', '@codemirror/merge'])
    licence = (f"/* CodeMirror 6 ({versions}) and Lezer, https://codemirror.net: MIT licence, Copyright (C) "
               "Marijn Haverbeke and others. Bundled by microgpt's build.py from web/editor/entry.js. */")
    run(NODE_MODULES / '.bin' / 'esbuild', WEB / 'editor' / 'entry.js', '--bundle', '--format=esm', '--minify',
        '--target=es2020', '--legal-comments=none', f'--banner:js={licence}', f'--outfile={out}',
        '--log-level=warning', capture_output=True)
    data = out.read_bytes()
    log(f"bundled the editor, {EDITOR_BUNDLE}: {len(data) / 1000:.0f} kB, "
        f"{len(gzip.compress(data, 9, mtime=0)) / 1000:.0f} kB gzipped")


def trim_lock_file(path):
    """Keep only microgpt in the lock file: it lists hundreds of packages the site does not ship (119 kB to ~1 kB)."""
    lock = json.loads(path.read_text())
    lock['packages'] = {name: info for name, info in lock['packages'].items() if name == 'microgpt'}
    assert not lock['packages']['microgpt']['depends'], "microgpt depends on nothing"
    path.write_text(json.dumps(lock, indent=1))


def write_service_worker(runtime_version, site=None):
    """site/sw.js: web/sw.js with every file of the site and its hash, and a version that changes with any of them."""
    site = site or SITE
    files = []
    content = hashlib.sha256()
    for path in sorted(p for p in site.rglob('*') if p.is_file() and p != site / 'sw.js'):  # not itself
        name, data = path.relative_to(site).as_posix(), path.read_bytes()
        files.append([name, 'sha256-' + base64.b64encode(hashlib.sha256(data).digest()).decode()])
        content.update(name.encode() + b'\0' + data)
    version = f"{runtime_version}-{content.hexdigest()[:12]}"
    source = (WEB / 'sw.js').read_text()
    assert "'__VERSION__'" in source and "['__FILES__']" in source
    (site / 'sw.js').write_text(source.replace("'__VERSION__'", json.dumps(version))
                                .replace("['__FILES__']", json.dumps(files)))


def serve(port):
    build_site()
    handler = functools.partial(SiteHandler, directory=SITE)
    with SiteServer(('127.0.0.1', port), handler) as server:
        print(f"Serving microgpt at http://127.0.0.1:{server.server_port}/  (Ctrl+C to stop)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


class SiteServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a tab closed mid-download is no error
            super().handle_error(request, client_address)


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, typed as browsers require (module scripts, streamed WebAssembly) whatever the OS's MIME table."""
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm',
                      '.webmanifest': 'application/manifest+json', '.svg': 'image/svg+xml'}

    def end_headers(self):
        self.send_header('Cache-Control', 'max-age=600')  # as GitHub Pages: a second visit reuses what it fetched
        super().end_headers()

    def log_message(self, format, *args):  # one line per failed request only
        if len(args) > 1 and str(args[1]).startswith(('4', '5')):
            super().log_message(format, *args)


def test(pytest_args):
    check_browser(venv_python())
    note_other_browsers()
    build_site()
    sys.exit(subprocess.run([str(VENV / 'bin' / 'python'), '-m', 'pytest', *pytest_args], cwd=ROOT).returncode)


def bench(bench_args):
    check_browser(venv_python())
    build_site()
    script = ROOT / 'tests' / 'bench' / 'bench.py'
    sys.exit(subprocess.run([str(VENV / 'bin' / 'python'), script, '--default-python', sys.executable, *bench_args],
                            cwd=ROOT).returncode)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('command', nargs='?', default='site', choices=['site', 'serve', 'test', 'bench'])
    parser.add_argument('--port', type=int, default=8000, help="port for serve (default 8000)")
    args, rest = parser.parse_known_args(argv)
    check_python()
    check_node()
    if args.command == 'test':
        test(rest)
    elif args.command == 'bench':
        bench(rest)
    elif rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    elif args.command == 'serve':
        serve(args.port)
    else:
        build_site()


if __name__ == '__main__':
    main(sys.argv[1:])
