"""Keep your work, measured: checkpoint sizes, save and restore times (native, Pyodide under Node, the page), and the
second visit's load from the service worker's cache.

    .venv/bin/python tests/bench/keep.py

Needs the site (`python3 build.py`) and the wheel in dist/, both copied first, so that a rebuild during the run
changes nothing: the native, Pyodide and page figures all measure that one wheel. Two models on the built-in names:
(a) the default one after its 1000 steps, (b) the largest the page allows (1 layer, 256 wide, 4 heads, block of 4:
801,280 parameters) after 1 step only, as one step of it is slow. Native and Pyodide times are medians of 3; the
page's are one run, the second visit's time to ready a median of 3 fresh profiles. Prints a Markdown table and writes
keep.json in the project root.
"""

import filecmp
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402
from bench import ROOT, TESTS, launch_args, open_ready, serve_site, transfer_sizes  # noqa: E402

# Run natively and in Pyodide (whose runner prints the last expression): sizes, and save/restore times, median of 3.
CODE = """
import gzip, json, statistics, sys, time
from microgpt import Config, Trainer, builtin_names, checkpoint, documents, limits
docs = documents(builtin_names())

def measure(config, steps):
    trainer = Trainer(config, docs)
    limits.check(config, trainer.tokenizer.vocab_size)  # the page allows it
    losses = [trainer.step() for _ in range(steps)]
    dataset = checkpoint.dataset_info(docs)
    save, restore = [], []
    for _ in range(3):
        start = time.perf_counter()
        text = checkpoint.dumps(trainer, losses, dataset)
        save.append(time.perf_counter() - start)
        start = time.perf_counter()
        restored, _ = checkpoint.restore(checkpoint.loads(text), docs)
        restore.append(time.perf_counter() - start)
    assert checkpoint.dumps(restored, losses, dataset) == text  # the restored run is the saved one
    data = text.encode()
    return {'steps': steps, 'params': len(trainer.model.params), 'bytes': len(data),
            'gzip_bytes': len(gzip.compress(data, compresslevel=6)), 'save_s': statistics.median(save),
            'restore_s': statistics.median(restore), 'save_runs': save, 'restore_runs': restore}

result = {'python': sys.version.split()[0], 'default': measure(Config(), 1000),
          'largest': measure(Config(n_layer=1, n_embd=256, n_head=4, block_size=4), 1)}
json.dumps(result)
"""

# Installed before the page's scripts: when the status first says the last run was restored, since navigation.
RESTORED = """
new MutationObserver(() => {
  const status = document.getElementById('status');
  if (!window.restoredMs && status && /^Opened your last run: paused at step/.test(status.textContent)) {
    window.restoredMs = performance.now();
  }
}).observe(document, { childList: true, subtree: true, characterData: true });
"""


def snapshot(scratch):
    """A copy of site/ and of the wheel, identical to the originals after copying (else a build was running)."""
    for _ in range(10):
        wheel = next((ROOT / 'dist').glob('microgpt-*-py3-none-any.whl'))
        site, copy = Path(scratch) / 'site', Path(scratch) / wheel.name
        shutil.rmtree(site, ignore_errors=True)
        shutil.copytree(bench.SITE, site)
        shutil.copy(wheel, copy)
        files = [p.relative_to(bench.SITE) for p in bench.SITE.rglob('*') if p.is_file()]
        same = sorted(files) == sorted(p.relative_to(site) for p in site.rglob('*') if p.is_file())
        if same and all(filecmp.cmp(bench.SITE / f, site / f, shallow=False) for f in files) and \
                filecmp.cmp(wheel, copy, shallow=False) and any(filecmp.cmp(copy, w, shallow=False)
                                                                for w in site.glob('pyodide/*/wheels/*/*.whl')):
            return site, copy
        time.sleep(30)
    sys.exit("keep: site/ or dist/ kept changing, or the site's wheel is not dist's: a build is running")


def native(wheel):
    body, last = CODE.rstrip().rsplit('\n', 1)
    out = subprocess.run([sys.executable, '-c', f"{body}\nprint({last})"], cwd=wheel.parent, capture_output=True,
                         text=True, check=True, env={**os.environ, 'PYTHONPATH': str(wheel)})  # a pure-Python wheel
    return json.loads(out.stdout)


def pyodide_node(wheel):
    out = subprocess.run(['node', TESTS / 'pyodide_run.mjs', wheel], input=CODE, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


def page_save_and_reload(browser, url):
    """The default run paused at step ~300: Save checkpoint until the download is complete, then a reload until the
    run is restored from the autosave."""
    context = browser.new_context(accept_downloads=True)
    context.add_init_script(RESTORED)
    page = open_ready(context, url)
    page.click('#settings-panel > summary')  # the settings are folded away
    page.fill('#steps', '1000')
    page.click('#train')
    status = page.locator('#status')
    while int(status.get_attribute('data-step') or 0) < 300:  # polled: the page's CSP blocks string predicates
        time.sleep(0.05)
    page.click('#pause')
    expect(status).to_have_text(re.compile(r'^Paused at step'), timeout=60_000)
    step = int(re.match(r'Paused at step (\d+)', status.text_content()).group(1))
    # the autosave of the paused run is in the browser, so the reload restores this step
    expect(page.locator('#runs li.current .run-meta')).to_contain_text(f'step {step:,} of', timeout=60_000)
    start = time.perf_counter()
    with page.expect_download() as download:
        page.click('#save-checkpoint')
    size = Path(download.value.path()).stat().st_size  # waits for the download to complete
    save_s = time.perf_counter() - start
    page.reload()
    expect(status).to_have_text(re.compile(r'^Opened your last run: paused at step'), timeout=120_000)
    restored_step = int(re.search(r'paused at step (\d+)', status.text_content()).group(1))
    restored_ms, ready_ms = page.evaluate('window.restoredMs'), float(status.get_attribute('data-ready-ms'))
    context.close()
    return {'step': step, 'restored_step': restored_step, 'download_bytes': size, 'save_s': save_s,
            'ready_s': ready_ms / 1000, 'restored_s': restored_ms / 1000, 'restore_s': (restored_ms - ready_ms) / 1000}


def second_visit(browser, url):
    """A fresh profile: the cold visit (and what it fetched), then once the service worker holds the site, a new
    page."""
    context = browser.new_context(service_workers='allow')
    requests = []
    context.on('requestfinished', lambda request: requests.append(request))
    page = open_ready(context, url)
    cold_s = float(page.locator('#status').get_attribute('data-ready-ms')) / 1000
    transfer = transfer_sizes([r for r in list(requests) if r.service_worker is None], url)  # the page's own
    expect(page.locator('#offline-status')).to_have_attribute('data-offline', 'ready', timeout=60_000)
    page.close()
    page = context.new_page()
    responses = []
    page.on('response', lambda response: responses.append(response))
    page.goto(url)
    expect(page.locator('#status')).to_have_attribute('data-phase', 'ready', timeout=60_000)
    warm_s = float(page.locator('#status').get_attribute('data-ready-ms')) / 1000
    from_sw = sum(r.from_service_worker for r in responses)
    context.close()
    return {'cold_s': cold_s, 'warm_s': warm_s, 'warm_responses': len(responses), 'warm_from_sw': from_sw, **transfer}


def table(r):
    rows = ["| checkpoint | parameters | steps trained | bytes | gzip bytes | save, native | restore, native "
            "| save, Pyodide/Node | restore, Pyodide/Node |", "|---|---|---|---|---|---|---|---|---|"]
    for key, name in (('default', '(a) default model'), ('largest', '(b) largest the page allows, 1×256, block 4')):
        n, p = r['native'][key], r['pyodide'][key]
        steps = f"{n['steps']}" + (" (only 1: a step is slow)" if key == 'largest' else '')
        rows.append(f"| {name} | {n['params']:,} | {steps} | {n['bytes']:,} | {n['gzip_bytes']:,} "
                    f"| {n['save_s'] * 1000:.0f} ms | {n['restore_s'] * 1000:.0f} ms "
                    f"| {p['save_s'] * 1000:.0f} ms | {p['restore_s'] * 1000:.0f} ms |")
    pg, v = r['page'], r['visits']
    rows += ["", f"Native: CPython {r['native']['python']}; Pyodide: Python {r['pyodide']['python']} under Node. "
             f"Medians of 3. Wheel {r['wheel']}, sha256 {r['wheel_sha256'][:12]}.",
             "", "| the page (Chromium) | figure |", "|---|---|",
             f"| Save checkpoint, click to download complete (default model, paused at step {pg['step']}; "
             f"{pg['download_bytes']:,} bytes) | {pg['save_s'] * 1000:.0f} ms |",
             f"| reload: navigation to ready | {pg['ready_s']:.2f} s |",
             f"| reload: navigation to the run restored (step {pg['restored_step']}) | {pg['restored_s']:.2f} s |",
             f"| reload: restore (restored - ready) | {pg['restore_s'] * 1000:.0f} ms |",
             f"| first visit: navigation to ready (median of {len(v)}) | "
             f"{statistics.median(x['cold_s'] for x in v):.2f} s |",
             f"| second visit, from the service worker's cache: navigation to ready (median of {len(v)}; "
             f"{', '.join(format(x['warm_s'], '.2f') for x in v)} s) | "
             f"{statistics.median(x['warm_s'] for x in v):.2f} s |",
             f"| second visit: responses served by the service worker | {v[0]['warm_from_sw']} of "
             f"{v[0]['warm_responses']} |",
             f"| cold transfer: files, bytes, gzip bytes | {v[0]['files']}, {v[0]['bytes']:,}, "
             f"{v[0]['gzip_bytes']:,} |"]
    return '\n'.join(rows) + '\n'


def main():
    def log(what):
        print(f"keep: {what}", file=sys.stderr, flush=True)
    scratch = tempfile.TemporaryDirectory()
    site, wheel = snapshot(scratch.name)
    bench.SITE = site  # for transfer_sizes
    r = {'wheel': wheel.name, 'wheel_sha256': hashlib.sha256(wheel.read_bytes()).hexdigest()}
    log(f"native CPython: train, save, restore ({wheel.name}, sha256 {r['wheel_sha256'][:12]})")
    r['native'] = native(wheel)
    log("Pyodide under Node: train, save, restore")
    r['pyodide'] = pyodide_node(wheel)
    with serve_site(site) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(**launch_args())
        log("the page: Save checkpoint, then a reload that restores the run")
        r['page'] = page_save_and_reload(browser, url)
        log("first and second visits, 3 fresh profiles")
        r['visits'] = [second_visit(browser, url) for _ in range(3)]
        browser.close()
    scratch.cleanup()
    (ROOT / 'keep.json').write_text(json.dumps(r, indent=1) + '\n')
    print(table(r))


if __name__ == '__main__':
    main()
