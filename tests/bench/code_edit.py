"""The Code panel, measured in the page: what opening it costs a cold visit, and how long Train takes to the first step
with edited code beside the installed code.

    .venv/bin/python tests/bench/code_edit.py [--repeat 5]

Needs the site (`python3 build.py`). Transfer: the bytes the panel's first opening fetches (the editor wrapper and the
CodeMirror bundle), raw and gzipped as a server would send them. Train to first step: from the click on Train to the
first progress of the run (`data-step` of #status at 1 or more), alternately with the code as installed and with the
MLP's ReLU squared in model.py (the worker then writes the module and imports the package afresh before it builds the
trainer), in one page; medians of `--repeat` runs each.
"""

import argparse
import gzip
import statistics
import sys
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import ROOT, launch_args, open_ready, serve_site  # noqa: E402

MODEL = (ROOT / 'microgpt' / 'model.py').read_text()
SQUARED_RELU = MODEL.replace('x = [xi.relu() for xi in x]', 'x = [xi.relu() ** 2 for xi in x]')
EDITOR_FILES = ['editor.js', 'vendor/codemirror/editor.js']

# In the page: click Train and resolve with the time to the first step's progress
FIRST_STEP = """async () => {
  const status = document.querySelector('#status');
  const start = performance.now();
  const stepped = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (Number(status.dataset.step) >= 1) { observer.disconnect(); resolve(); }
    });
    observer.observe(status, { attributes: true });
  });
  document.querySelector('#train').click();
  await stepped;
  return performance.now() - start;
}"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeat', type=int, default=5)
    args = parser.parse_args()
    raw = sum((ROOT / 'site' / name).stat().st_size for name in EDITOR_FILES)
    packed = sum(len(gzip.compress((ROOT / 'site' / name).read_bytes(), 9, mtime=0)) for name in EDITOR_FILES)
    print(f'Opening the Code panel fetches {raw / 1000:.0f} kB, {packed / 1000:.0f} kB gzipped '
          f'({", ".join(EDITOR_FILES)})')
    times = {'installed': [], 'edited': []}
    with serve_site() as url, sync_playwright() as p:
        browser = p.chromium.launch(**launch_args())
        page = open_ready(browser.new_context(), url + '#steps=400')
        page.click('#code-panel > summary')
        expect(page.locator('#code-file')).to_be_enabled(timeout=60_000)
        for _ in range(args.repeat):
            for kind, text in [('installed', MODEL), ('edited', SQUARED_RELU)]:
                page.click('#code .cm-content')
                page.keyboard.press('ControlOrMeta+a')
                page.keyboard.insert_text(text)
                expect(page.locator('#code-summary')).to_have_text(
                    'edited: model.py' if kind == 'edited' else 'the package as installed')
                times[kind].append(page.evaluate(FIRST_STEP))
                page.click('#reset')
        browser.close()
    print(f'Train to the first step (medians of {args.repeat}):')
    for kind, values in times.items():
        print(f'  {kind} code: {statistics.median(values):.0f} ms  ({", ".join(f"{v:.0f}" for v in values)})')


if __name__ == '__main__':
    main()
