"""The Code panel's editor: CodeMirror, bundled by build.py into one self-contained ES module (the page's CSP allows
no import map), small enough to fetch when the panel opens, from exactly pinned packages; and web/editor.js driving
it in a real Chromium under the page's own CSP (its styles arrive as constructed style sheets, which the CSP allows)."""

import gzip
import json
import re
import subprocess

import pytest

import browser
from conftest import ROOT

BUNDLE = browser.SITE / 'vendor' / 'codemirror' / 'editor.js'
EXPORTS = ['Compartment', 'Decoration', 'EditorState', 'EditorView', 'HighlightStyle', 'StateEffect', 'StateField',
           'basicSetup', 'indentUnit', 'python', 'syntaxHighlighting', 'tags', 'unifiedMergeView']
MAX_GZIPPED = 300_000  # what opening the Code panel may add to a cold visit's transfer


@pytest.fixture(scope='module')
def bundle():
    if not BUNDLE.exists():
        pytest.fail(f"no {BUNDLE}: `python build.py` builds it")
    return BUNDLE.read_bytes()


def test_the_bundle_is_small(bundle):
    assert len(gzip.compress(bundle, 9)) < MAX_GZIPPED


def test_the_bundle_is_one_module_with_every_import_resolved(bundle, tmp_path):
    """Node imports it from a folder with no node_modules: any import left of a package would fail to resolve."""
    assert not re.search(rb'\bimport\s*\(', bundle)  # no dynamic import either, of anything
    (tmp_path / 'editor.mjs').write_bytes(bundle)
    out = subprocess.run(['node', '--input-type=module', '-e',
                          f"const m = await import({json.dumps((tmp_path / 'editor.mjs').as_uri())});"
                          "console.log(JSON.stringify(Object.keys(m).sort()))"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == EXPORTS


def test_the_same_sources_give_the_same_bundle(bundle, tmp_path):
    build = browser._build_module()
    build.bundle_editor(tmp_path / 'editor.js')
    assert (tmp_path / 'editor.js').read_bytes() == bundle


def test_the_packages_are_pinned_exactly_once():
    package = json.loads((ROOT / 'web' / 'package.json').read_text())
    pins = {**package['dependencies'], **package['devDependencies']}
    assert {'codemirror', '@codemirror/merge', '@codemirror/lang-python', 'esbuild'} <= set(pins)
    assert [name for name, version in pins.items() if not re.fullmatch(r'\d+\.\d+\.\d+', version)] == []
    lock = json.loads((ROOT / 'web' / 'package-lock.json').read_text())['packages']
    assert {**lock['']['dependencies'], **lock['']['devDependencies']} == pins
    # one copy of each CodeMirror package: two of @codemirror/state would break the editor's extensions
    nested = [path for path in lock if path.count('node_modules/') > 1 and '/@codemirror/' in path]
    assert nested == []


DOC = 'def f(x):\n    return x\n\nprint(f(1))\n'


def test_the_editor_under_the_page_csp(page, site_url):
    errors = []
    page.on('console', lambda m: errors.append(m.text) if m.type == 'error' else None)
    page.on('pageerror', lambda e: errors.append(str(e)))
    page.add_init_script("window.violations = []; document.addEventListener('securitypolicyviolation', "
                         "(e) => violations.push(`${e.violatedDirective} ${e.blockedURI}`));")
    page.set_viewport_size({'width': 375, 'height': 800})
    page.goto(site_url)  # the real page, under its CSP; the test needs no Python, so it does not wait for it
    page.evaluate("""async (doc) => {
      const { createEditor } = await import('./editor.js');
      const parent = document.createElement('div');
      document.querySelector('main').prepend(parent);
      window.changes = [];
      window.editor = await createEditor(parent, { label: 'Code of model.py', name: 'model.py', doc,
                                                   onChange: (text, name) => changes.push([name, text]) });
    }""", DOC)
    content = page.locator('.cm-content')
    assert content.get_attribute('aria-label') == 'Code of model.py'
    # styled, by CodeMirror's base theme and the wrapper's, through the shadow root's constructed style sheet
    style = page.locator('.cm-editor').evaluate("""(editor) => {
      const root = editor.getRootNode(), css = (selector) => getComputedStyle(root.querySelector(selector));
      return { sheets: root.adoptedStyleSheets.length, display: css('.cm-editor').display,
               fontSize: css('.cm-editor').fontSize, gutters: css('.cm-gutters').display,
               overflowX: css('.cm-scroller').overflowX };
    }""")
    assert style == {'sheets': 1, 'display': 'flex', 'fontSize': '13px', 'gutters': 'flex', 'overflowX': 'auto'}

    page.evaluate('editor.focus()')
    page.keyboard.press('Shift+End')
    page.keyboard.type('def g(x):')
    text = DOC.replace('def f(x):', 'def g(x):')
    assert page.evaluate('editor.text()') == text
    assert page.evaluate('changes.at(-1)') == ['model.py', text]

    page.evaluate("editor.markError(2, 'NameError: x')")
    error = page.locator('.cm-line.cm-error-line')
    assert error.count() == 1 and error.text_content() == '    return x'
    assert error.get_attribute('title') == 'NameError: x'
    assert error.evaluate('(line) => getComputedStyle(line).backgroundColor') != 'rgba(0, 0, 0, 0)'
    assert page.evaluate('editor.clearError()') is None and error.count() == 0

    page.evaluate('editor.showDiff(true)')
    assert page.locator('.cm-deletedChunk').text_content() == 'def f(x):'
    assert page.locator('.cm-changedLine').text_content() == 'def g(x):'
    page.evaluate('editor.showDiff(false)')
    assert page.locator('.cm-deletedChunk').count() == 0

    # another file and back: each keeps its own undo history
    page.evaluate("editor.show('data.py', 'a = 1\\n')")
    assert page.evaluate('editor.text()') == 'a = 1\n'
    page.evaluate(f"editor.show('model.py', {json.dumps(text)})")
    page.evaluate('editor.focus()')
    page.keyboard.press('Control+z')
    assert page.evaluate('editor.text()') == DOC

    # a long line scrolls inside the editor and never widens the phone's page
    page.keyboard.press('Control+End')
    page.keyboard.type('x = ' + ' + '.join(['1'] * 80))
    assert page.evaluate('document.documentElement.scrollWidth <= innerWidth')
    assert page.locator('.cm-scroller').evaluate('(scroller) => scroller.scrollWidth > scroller.clientWidth')

    in_editor = "document.activeElement.matches('.code-editor')"  # the shadow root's host
    assert page.evaluate(in_editor)
    page.keyboard.press('Tab')  # not trapped: it moves the focus on, out of the editor
    assert not page.evaluate(in_editor)

    page.evaluate('editor.destroy()')
    assert page.locator('.code-editor').count() == 0
    assert page.evaluate('violations') == [] and errors == []
