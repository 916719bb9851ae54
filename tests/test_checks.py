"""Checks that keep the code honest, run with the tests: ruff over the Python, and no page file that parses HTML
from strings (untrusted text — names, datasets, file names — must only ever become text nodes)."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

PYTHON_CODE = ['microgpt', 'web/session.py', 'tests', 'build.py']
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
