"""Karpathy's unchanged microgpt.py run by the page (Run a script), beside the package: steps per second in the page
and natively, in one run of this script.

    .venv/bin/python tests/bench/script_speed.py [--steps 100] [--reference PATH/TO/microgpt.py]

Needs the site (`python3 build.py`) and the reference (default: ../shared/reference/microgpt.py). In the page: the
unchanged file, exact libm and this browser's own, each timed over its first `--steps` steps from its own status
attributes (`data-step`, `data-seconds`: time since the script started, its imports and data included), then stopped;
and the package's default run over as many steps. Natively: python3 on the same file with only its number of steps
set to `--steps`, and `python -m microgpt --steps N`, each timed whole.
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import ROOT, launch_args, open_ready, serve_site  # noqa: E402

NAMES = ROOT / 'microgpt' / 'names.txt'


def page_rate(page, steps, start):
    """Steps per second of the run `start()` begins, over its first `steps` steps; then stop it."""
    start()
    for _ in range(6000):
        if int(page.get_attribute('#status', 'data-step') or 0) >= steps:
            break
        page.wait_for_timeout(50)
    step = int(page.get_attribute('#status', 'data-step'))
    seconds = float(page.get_attribute('#status', 'data-seconds'))
    page.click('#stop')
    expect(page.locator('#status')).to_have_attribute('data-phase', 'stopped', timeout=60_000)
    expect(page.locator('#train')).to_be_enabled(timeout=60_000)
    return step / seconds


def native_rate(command, cwd, steps):
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, capture_output=True, check=True)
    return steps / (time.perf_counter() - started)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--steps', type=int, default=100)
    parser.add_argument('--reference', type=Path, default=ROOT.parent / 'shared' / 'reference' / 'microgpt.py')
    args = parser.parse_args()
    source = args.reference.read_text()
    rates = {}
    with serve_site() as url, sync_playwright() as p:
        browser = p.chromium.launch(**launch_args())
        page = open_ready(browser.new_context(), url)
        page.click('#script-panel > summary')
        page.set_input_files('#script-file', str(args.reference))
        expect(page.locator('#script-info')).to_contain_text('byte for byte', timeout=30_000)
        for exact in (True, False):
            if page.is_checked('#script-exact') != exact:
                page.click('#script-exact')
            rates[f"page, the reference ({'exact libm' if exact else 'the browser libm'})"] = page_rate(
                page, args.steps, lambda: page.click('#script-run'))
        rates['page, the package (default run)'] = page_rate(page, args.steps, lambda: page.click('#train'))
        browser.close()
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / 'input.txt').write_bytes(NAMES.read_bytes())
        shortened = source.replace('num_steps = 1000 #', f'num_steps = {args.steps} #')
        assert shortened != source
        (Path(scratch) / 'microgpt.py').write_text(shortened)
        rates['python3, the reference'] = native_rate([sys.executable, 'microgpt.py'], scratch, args.steps)
        rates['python3, the package'] = native_rate(
            [sys.executable, '-m', 'microgpt', '--steps', str(args.steps)], ROOT, args.steps)
    print(f'steps/s over the first {args.steps} steps (Python {sys.version.split()[0]} natively):')
    for what, rate in rates.items():
        print(f'  {what}: {rate:.1f}')


if __name__ == '__main__':
    main()
