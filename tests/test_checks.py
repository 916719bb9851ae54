"""Checks that keep the code honest, run with the tests: ruff over the Python, TypeScript over the page's JavaScript
(its JSDoc types, the page-worker protocol's included), and no page file that parses HTML from strings (untrusted
text — names, datasets, file names — must only ever become text nodes)."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

PYTHON_CODE = ['microgpt', 'web/session.py', 'tests', 'build.py']
WEB = ROOT / 'web'
# tsc's projects: the page, with the DOM's types, and its workers (the training worker, the graph layout worker and
# the service worker), with a worker's; between them, every script of the page.
TSC_PROJECTS = ['tsconfig.json', 'tsconfig.worker.json']
# Files whose JSDoc is being completed: tsc checks them with the others, and their types reach every file that uses
# them, but their own errors do not fail the test yet. None left: every file of the page is checked in full.
ANNOTATING = set()
# Every way a script turns a string into markup: the page builds elements and sets textContent instead.
HTML_SINKS = re.compile(r'\b(innerHTML|outerHTML|insertAdjacentHTML|document\.write(ln)?|createContextualFragment)\b')


def ruff():
    found = shutil.which('ruff', path=str(Path(sys.executable).parent))
    return found or pytest.skip("ruff is not installed: `python3 build.py test` installs the dev extra")


def test_ruff_finds_nothing():
    out = subprocess.run([ruff(), 'check', '--no-cache', *PYTHON_CODE], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def page_files():
    return sorted(path for path in (ROOT / 'web').rglob('*') if path.suffix in ('.js', '.html', '.mjs')
                  and 'node_modules' not in path.parts)


def tsc(project, *args, web=WEB):
    """Run the pinned TypeScript (web/package.json) on a project of `web`; returns its output."""
    found = WEB / 'node_modules' / '.bin' / 'tsc'
    if not found.exists():
        pytest.skip("TypeScript is not installed: `python3 build.py` runs npm ci in web/")
    out = subprocess.run([found, '-p', project, '--pretty', 'false', *args], cwd=web, capture_output=True, text=True)
    assert out.returncode in (0, 1) and not out.stderr, out.stdout + out.stderr  # 1: errors, said on stdout
    return out.stdout


def tsc_errors(project, web=WEB):
    """tsc's errors, each its line (`file(line,col): error TS1234: ...`, the file relative to web/) and those that
    explain it, indented."""
    errors = []
    for line in tsc(project, web=web).splitlines():
        if line.startswith(' ') and errors:
            errors[-1] += '\n' + line
        else:
            errors.append(line)
    return errors


@pytest.mark.parametrize('project', TSC_PROJECTS)
def test_tsc_finds_no_type_error(project):
    errors = [error for error in tsc_errors(project) if f"web/{error.split('(')[0]}" not in ANNOTATING]
    assert errors == [], '\n'.join(errors)


def test_tsc_checks_every_script_of_the_page():
    checked = {Path(line) for project in TSC_PROJECTS for line in tsc(project, '--listFilesOnly').splitlines()}
    scripts = {path for path in page_files() if path.suffix == '.js'}
    assert len(scripts) > 30 and scripts - checked == set()


def test_tsc_would_find_a_wrong_message(tmp_path):
    """The check is not vacuous: a message of the protocol misspelt at the page's end, and a layout reply at the
    graph worker's, in a copy of the page, are each found."""
    web = tmp_path / 'web'
    shutil.copytree(WEB, web, ignore=shutil.ignore_patterns('node_modules'))
    (web / 'node_modules').symlink_to(WEB / 'node_modules')
    for name, right, wrong in [('panels/controls.js', "send({ type: 'losses-csv' })", "send({ type: 'loss-csv' })"),
                               ('graph-layout.js', "answer({ id, svg:", "answer({ id, drawing:")]:
        source = (web / name).read_text()
        assert right in source, name
        (web / name).write_text(source.replace(right, wrong))
    errors = tsc_errors('tsconfig.json', web) + tsc_errors('tsconfig.worker.json', web)
    assert [e for e in errors if e.startswith('panels/controls.js(') and '"loss-csv"' in e], errors
    assert [e for e in errors if e.startswith('graph-layout.js(') and "'drawing'" in e], errors


def test_no_page_file_parses_html_from_strings():
    files = page_files()
    assert len(files) > 20 and ROOT / 'web' / 'panels' / 'inspect.js' in files  # the page's own files, all of them
    found = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}" for path in files
             for n, line in enumerate(path.read_text(encoding='utf-8').splitlines(), start=1)
             if HTML_SINKS.search(line)]
    assert found == []


def test_the_sink_check_would_find_one():
    """The pattern is not vacuous: each sink, written as a page would write it, is found."""
    for line in ['el.innerHTML = name;', 'el.outerHTML = x', "el.insertAdjacentHTML('beforeend', x)",
                 'document.write(x)', 'document.writeln(x)', 'range.createContextualFragment(x)']:
        assert HTML_SINKS.search(line), line
    assert not HTML_SINKS.search('el.textContent = name; // not inner HTML')
