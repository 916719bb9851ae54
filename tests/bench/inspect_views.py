"""Inside the model, measured in the page: how long the views take to follow a change of the text or the
temperature, and what the open panel costs training.

    .venv/bin/python tests/bench/inspect_views.py [--steps 300] [--repeat 5] [--training-only]

Needs the site (`python3 build.py`). Three models on the built-in names, each opened from a checkpoint the command
line writes: the default one at step 50, and two at the form's limits after one step: 1 layer, 128 wide, 4 heads, a
block of 16 (layers x width^2 x block = 262,144, the limit), and the widest, 256 with a block of 4 (801,280 parameters:
each token read costs four times as much; the texts measured have at most 3 characters, which its block allows). An
update time runs from the input event to the frame after every view has been redrawn (next letter, attention,
embeddings); medians of 15 changes. Training speed: the same run timed with the panel open and folded, alternately,
5 times each, in one page; the ratio of the medians.
Prints a Markdown table and writes inspect.json in the project root.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import ROOT, launch_args, open_ready, serve_site  # noqa: E402

# In the page: change the text or the temperature as a user would (an input event), then resolve with the time to
# the frame after the next letter's bars change (every view is redrawn in the same task as the bars).
MEASURE = """async ([selector, value]) => {
  const bars = document.querySelector('#next-token');
  const start = performance.now();
  const changed = new Promise((resolve) => {
    const observer = new MutationObserver(() => { observer.disconnect(); resolve(); });
    observer.observe(bars, { attributes: true, subtree: true, childList: true });
  });
  const input = document.querySelector(selector);
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  await changed;
  await new Promise((resolve) => requestAnimationFrame(() => resolve()));
  return performance.now() - start;
}"""

MODELS = {'default (1 x 16, step 50)': ['--until', '50'],
          'largest model (1 x 128, 4 heads, block 16)': ['--n-embd', '128', '--block-size', '16', '--until', '1'],
          'widest (1 x 256, 4 heads, block 4)': ['--n-embd', '256', '--block-size', '4', '--until', '1']}


def checkpoint(args, folder):
    path = Path(folder) / 'run.microgpt.json'
    subprocess.run([sys.executable, '-m', 'microgpt', *args, '--save', path], cwd=ROOT, check=True,
                   capture_output=True)
    return path


def update_times(browser, url, path):
    page = open_ready(browser.new_context(), url)
    page.set_input_files('#open-checkpoint', path)
    expect(page.locator('#status')).to_have_attribute('data-phase', 'paused', timeout=120_000)
    expect(page.locator('#next-token .token').first).to_be_visible(timeout=120_000)
    page.wait_for_timeout(500)
    texts, temperatures = [], []
    for i in range(15):
        texts.append(page.evaluate(MEASURE, ['#inspect-text', ['em', 'emm', 'ann', 'jo', 'k'][i % 5]]))
        temperatures.append(page.evaluate(MEASURE, ['#inspect-temperature', ['0.8', '1.2', '0.3'][i % 3]]))
    page.context.close()
    return {'text_ms': statistics.median(texts), 'temperature_ms': statistics.median(temperatures),
            'text_runs': texts, 'temperature_runs': temperatures}


def training_speed(browser, url, steps, repeat):
    """Steps/s of the default model for `steps` steps, the panel open and folded by turns, in one page."""
    page = open_ready(browser.new_context(), url)
    page.click('#settings-panel > summary')
    page.fill('#steps', str(steps))
    speeds = {'open': [], 'folded': []}
    for i in range(2 * repeat):
        state = 'open' if i % 2 == 0 else 'folded'
        page.evaluate(f"document.querySelector('#inside-panel').open = {'true' if state == 'open' else 'false'}")
        page.click('#train')
        expect(page.locator('#status')).to_have_attribute('data-phase', 'done', timeout=600_000)
        seconds = float(page.locator('#status').get_attribute('data-seconds'))
        speeds[state].append(steps / seconds)
    page.context.close()
    return {state: statistics.median(runs) for state, runs in speeds.items()} | {'runs': speeds}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--steps', type=int, default=300)
    parser.add_argument('--repeat', type=int, default=5, help='runs with the panel open, and as many folded')
    parser.add_argument('--training-only', action='store_true')
    args = parser.parse_args()
    steps = args.steps
    def log(what):
        print(f"inspect: {what}", file=sys.stderr, flush=True)
    r = {'updates': {}}
    with tempfile.TemporaryDirectory() as folder, serve_site(ROOT / 'site') as url, sync_playwright() as pw:
        browser = pw.chromium.launch(**launch_args())
        for name, flags in MODELS.items() if not args.training_only else []:
            log(f"update times: {name}")
            r['updates'][name] = update_times(browser, url, checkpoint(flags, folder))
        log(f"training speed, panel open and folded, {steps} steps x {args.repeat} each")
        r['training'] = training_speed(browser, url, steps, args.repeat)
        browser.close()
    (ROOT / 'inspect.json').write_text(json.dumps(r, indent=1) + '\n')
    lines = ['| model | text changed → views redrawn | temperature changed → bars redrawn |', '|---|---|---|']
    for name, u in r['updates'].items():
        lines.append(f"| {name} | {u['text_ms']:.0f} ms | {u['temperature_ms']:.0f} ms |")
    t = r['training']
    lines += ['', f"Training the default model, {steps} steps: {t['open']:.1f} steps/s with the panel open, "
              f"{t['folded']:.1f} folded: {t['open'] / t['folded']:.3f}x."]
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
