"""Build, serve, test and benchmark microgpt: the one entry point, for developers and CI.

    python build.py                      # build the static site into site/
    python build.py serve [--port 8000]  # build, then serve site/ on http://127.0.0.1:8000/
    python build.py test [PYTEST ARGS]   # build, then run every test (browser ones included)
    python build.py bench [--quick] [--steps N] [--original PATH/TO/microgpt.py]
                                         # build, then measure speed, load, responsiveness, memory

On a fresh machine each command first sets up what it needs: a virtual environment in .venv with the pinned
Python tools (pyodide-build needs Python >= 3.12, so one is looked for), and `npm ci` in web/. The browser tests
need a Chromium: Debian's (.ci/run installs it) or Playwright's own.
"""

import argparse
import base64
import functools
import gzip
import hashlib
import http.server
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / '.venv'
WEB = ROOT / 'web'
DIST = ROOT / 'dist'
SITE = ROOT / 'site'
NODE_MODULES = WEB / 'node_modules'
PAGE_FILES = ['index.html', 'style.css', 'manifest.webmanifest', 'boot.js', 'nomodule.js', 'main.js', 'app.js',
              'dom.js', 'offline.js', 'store.js', 'settings.js', 'chart.js', 'protocol.js', 'worker.js', 'session.py',
              'panels/controls.js', 'panels/dataset.js', 'panels/loss.js', 'panels/names.js', 'panels/runs.js',
              'panels/settings-form.js', 'panels/inspect.js', 'panels/code.js', 'panels/script.js', 'pyrepr.js',
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


def run(*args, capture_output=False, **kwargs):
    """Run a command; a failure stops the build, with the command's output if it was captured."""
    try:
        out = subprocess.run([str(a) for a in args], capture_output=capture_output, text=True, **kwargs)
    except FileNotFoundError:
        sys.exit(f"build.py: cannot run {args[0]}: is it installed and on PATH? (see README.md, The two commands)")
    if out.returncode:
        sys.exit(f"build.py: failed ({out.returncode}): {' '.join(map(str, args))}\n"
                 f"{out.stdout or ''}{out.stderr or ''}")


def find_python():
    """A Python >= 3.12: this one, or one on PATH, or one installed with pyenv."""
    candidates = [sys.executable, 'python3.14', 'python3.13', 'python3.12']
    pyenv_root = Path(os.environ.get('PYENV_ROOT', Path.home() / '.pyenv'))
    candidates += sorted(map(str, pyenv_root.glob('versions/3.1[2-9]*/bin/python3')), reverse=True)
    for python in candidates:
        try:
            out = subprocess.run([python, '-c', 'import sys; print(sys.version_info >= (3, 12))'],
                                 capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.returncode == 0 and out.stdout.strip() == 'True':
            return python
    sys.exit("build.py: no Python >= 3.12 found (pyodide-build needs one); install one, e.g. with pyenv")


def venv_python():
    """The project's virtual environment, created or updated when pyproject.toml changed."""
    python = VENV / 'bin' / 'python'
    stamp = VENV / '.pyproject.sha256'
    wanted = hashlib.sha256((ROOT / 'pyproject.toml').read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    if not python.exists():
        log(f"creating {VENV.name}")
        run(find_python(), '-m', 'venv', VENV)
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


def build_wheel(python):
    """The py3-none-any wheel Pyodide installs; returns its path."""
    if DIST.exists():
        shutil.rmtree(DIST)
    # -P: the current directory holds this build.py, which must not shadow pypa's `build` package
    run(python, '-P', '-m', 'build', '--wheel', '--outdir', DIST, ROOT, capture_output=True)
    (wheel,) = DIST.glob('microgpt-*-py3-none-any.whl')
    return wheel


def build_site():
    """site/: the page, the front-end packages, the Pyodide runtime and the wheel registered in its lock file."""
    python = venv_python()
    npm_packages()
    wheel = build_wheel(python)
    if SITE.exists():
        shutil.rmtree(SITE)
    SITE.mkdir()
    for name in PAGE_FILES:
        (SITE / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(WEB / name, SITE / name)
    # the front-end packages the page imports, as their ES modules (Graphviz and Panzoom: only once the graph opens)
    for package, folder, names in [('uplot', 'uplot', ['uPlot.esm.js', 'uPlot.min.css']),
                                   ('@viz-js/viz', 'viz', ['viz.js']),
                                   ('@panzoom/panzoom', 'panzoom', ['panzoom.es.js'])]:
        (SITE / 'vendor' / folder).mkdir(parents=True)
        for name in names:
            shutil.copy(NODE_MODULES / package / 'dist' / name, SITE / 'vendor' / folder / name)
    bundle_editor(SITE / EDITOR_BUNDLE)

    # The runtime lives under a path naming its version, and the wheel under its own hash, so a cached copy of
    # either is never paired with a lock file that expects another (Pyodide checks the wheel's sha256); the worker
    # revalidates the lock file itself on every visit.
    version = json.loads((NODE_MODULES / 'pyodide' / 'package.json').read_text())['version']
    runtime = SITE / 'pyodide' / version
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
    (SITE / 'runtime.js').write_text(
        "// Generated by build.py: where this site keeps the Pyodide runtime and its lock file (relative URLs).\n"
        f"export {{ loadPyodide }} from './pyodide/{version}/pyodide.mjs';\n"
        f"export const indexURL = new URL('./pyodide/{version}/', import.meta.url).href;\n"
        f"export const lockFileURL = new URL('./pyodide/{version}/pyodide-lock.json', import.meta.url).href;\n"
        f"export const runtimeBytes = {json.dumps(sizes)};\n")
    write_service_worker(f"{version}-{digest}")
    log(f"built {SITE.relative_to(ROOT)}/ (Pyodide {version}, {wheel.name})")


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


def write_service_worker(runtime_version):
    """site/sw.js: web/sw.js with every file of the site and its hash, and a version that changes with any of them."""
    files = []
    content = hashlib.sha256()
    for path in sorted(p for p in SITE.rglob('*') if p.is_file() and p != SITE / 'sw.js'):  # not itself
        name, data = path.relative_to(SITE).as_posix(), path.read_bytes()
        files.append([name, 'sha256-' + base64.b64encode(hashlib.sha256(data).digest()).decode()])
        content.update(name.encode() + b'\0' + data)
    version = f"{runtime_version}-{content.hexdigest()[:12]}"
    source = (WEB / 'sw.js').read_text()
    assert "'__VERSION__'" in source and "['__FILES__']" in source
    (SITE / 'sw.js').write_text(source.replace("'__VERSION__'", json.dumps(version))
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
    build_site()
    sys.exit(subprocess.run([str(VENV / 'bin' / 'python'), '-m', 'pytest', *pytest_args], cwd=ROOT).returncode)


def bench(bench_args):
    build_site()
    script = ROOT / 'tests' / 'bench' / 'bench.py'
    sys.exit(subprocess.run([str(VENV / 'bin' / 'python'), script, '--default-python', sys.executable, *bench_args],
                            cwd=ROOT).returncode)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('command', nargs='?', default='site', choices=['site', 'serve', 'test', 'bench'])
    parser.add_argument('--port', type=int, default=8000, help="port for serve (default 8000)")
    args, rest = parser.parse_known_args(argv)
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
