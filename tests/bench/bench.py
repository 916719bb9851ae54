"""The speed benchmark: native CPython, Pyodide under Node, the page and its bare worker, load, responsiveness, memory.

    python build.py bench [--quick] [--steps N] [--original PATH/TO/microgpt.py]
    python build.py bench --sweep [K] [--steps N]   # sweeps: K copies of the default run at once, K = 1, 2 and K

build.py builds the site, then runs this with the project's .venv, passing the machine's default `python3` as
--default-python. Everything is measured in one run, on one machine, so the ratios compare like with like. Steps/s
always time the training steps alone (no start-up, no sampling): inside Python for the core, and for the original
script as the difference between a run of N steps and a run of 0 steps. The speeds are the medians of rounds in
which every program runs once in turn, so a noisy spell slows them alike. Writes bench.json and bench.md (a Markdown
table) in the project's root (or --out), and prints the table and the budget.

--sweep measures sweeps instead (bench-sweep.json, bench-sweep.md): copies of the default run (N steps) trained at once
in the page's pool of workers, K at once for K = 1, 2 and K (default: the machine's cores), each on a page told the
machine has K + 1 cores (navigator.hardwareConcurrency; the page keeps one for itself), so exactly K train at once.
A sweep needs two runs, so K = 1 trains two copies one after the other. It reports the total steps/s (every run's
steps over the time from the first run's start to the last one's end: the page's data-sweep-seconds), the parallel
efficiency (total steps/s over K times K = 1's), each worker's WebAssembly memory at its end, and the main thread's
longest 10 ms timer gap while the K runs train.
"""

import argparse
import gzip
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

TESTS = Path(__file__).resolve().parent.parent
ROOT = TESTS.parent
sys.path[:0] = [str(TESTS), str(Path(__file__).resolve().parent)]
from browser import SITE, launch_args, serve_site  # noqa: E402
from cli_vs_original import original_with_steps  # noqa: E402

NATIVE = """
import json, sys, time
from microgpt import Config, Trainer, builtin_names, documents
trainer = Trainer(Config(steps={steps}), documents(builtin_names()))
start = time.perf_counter()
for _ in range({steps}):
    trainer.step()
json.dumps({{'seconds': time.perf_counter() - start, 'python': sys.version.split()[0]}})
"""

# The page's own worker, driven through the message protocol with nothing on the main thread listening but this.
BARE_WORKER = """async (steps) => {
  const worker = new Worker(new URL('worker.js', location.href), { type: 'module' });
  const reply = (type) => new Promise((resolve, reject) => {
    worker.addEventListener('message', function on(event) {
      if (event.data.type === 'error') reject(new Error(event.data.message));
      if (event.data.type === type) { worker.removeEventListener('message', on); resolve(event.data); }
    });
  });
  await reply('ready');
  worker.postMessage({ type: 'dataset', name: null, bytes: null });
  await reply('dataset');
  const config = { seed: 42, steps, n_layer: 1, n_embd: 16, n_head: 4, block_size: 16, learning_rate: 0.01,
                   temperature: 0.5, samples: 20 };
  worker.postMessage({ type: 'train', config, run: 1, code: {} });
  const done = await reply('done');
  worker.terminate();
  return done.seconds;
}"""

# Installed before the page's scripts: a 10 ms timer's longest gap and the long tasks, both counted once armed, and
# not while the benchmark itself stops the page to measure its memory (`paused`, and the intervals in `pauses`).
PROBES = """
window.probe = { armed: false, paused: false, pauses: [], maxGap: 0, longTasks: 0, longestTask: 0 };
let last = performance.now();
setInterval(() => {
  const now = performance.now();
  if (window.probe.armed && !window.probe.paused) window.probe.maxGap = Math.max(window.probe.maxGap, now - last);
  last = now;
}, 10);
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const end = entry.startTime + entry.duration;
    if (!window.probe.armed || window.probe.pauses.some(([from, to]) => entry.startTime < to && end > from)) continue;
    window.probe.longTasks += 1;
    window.probe.longestTask = Math.max(window.probe.longestTask, entry.duration);
  }
}).observe({ type: 'longtask' });
"""



def native(python, steps):
    body, last = NATIVE.format(steps=steps).rstrip().rsplit('\n', 1)  # the Node runner prints the last expression
    out = subprocess.run([python, '-c', f"{body}\nprint({last})"], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    result = json.loads(out.stdout)
    return {'python': result['python'], 'steps_per_second': steps / result['seconds']}


def pyodide_node(steps):
    wheel = next((ROOT / 'dist').glob('microgpt-*-py3-none-any.whl'))
    out = subprocess.run(['node', TESTS / 'pyodide_run.mjs', wheel], input=NATIVE.format(steps=steps),
                         capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    return {'python': result['python'], 'steps_per_second': steps / result['seconds']}


def original(path, python, steps):
    """The original script's steps/s: (time of N steps - time of 0 steps), both whole runs, in a scratch dir."""
    source = path.read_text()
    times = {}
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / 'input.txt').write_bytes((ROOT / 'microgpt' / 'names.txt').read_bytes())
        for n in (0, steps):
            (Path(scratch) / 'original.py').write_text(original_with_steps(source, n))
            start = time.perf_counter()
            subprocess.run([python, 'original.py'], cwd=scratch, capture_output=True, check=True)
            times[n] = time.perf_counter() - start
    return {'steps_per_second': steps / (times[steps] - times[0])}


def open_ready(context, url):
    page = context.new_page()
    page.goto(url)
    expect(page.locator('#status')).to_have_attribute('data-phase', 'ready', timeout=60_000)
    expect(page.locator('#dataset-info')).to_contain_text('parameters', timeout=30_000)
    return page


def load_times(browser, url, repeat):
    """Navigation to ready: cold (a fresh profile, so an empty cache) and warm (the same profile's second visit, once
    the service worker holds the site: served from its cache)."""
    cold, warm, transferred = [], [], None
    for _ in range(repeat):
        context = browser.new_context()
        responses = []
        # a function of its own (Playwright inspects a handler's signature, which a bound builtin lacks), bound to
        # this round's list
        context.on('requestfinished', lambda request, responses=responses: responses.append(request))
        page = open_ready(context, url)
        cold.append(float(page.locator('#status').get_attribute('data-ready-ms')) / 1000)
        if transferred is None:
            transferred = transfer_sizes(responses, url)
        expect(page.locator('#offline-status')).to_have_attribute('data-offline', 'ready', timeout=60_000)
        page.close()
        page = open_ready(context, url)
        warm.append(float(page.locator('#status').get_attribute('data-ready-ms')) / 1000)
        context.close()
    return {'cold_seconds': statistics.median(cold), 'warm_seconds': statistics.median(warm),
            'cold': cold, 'warm': warm, **transferred}


def transfer_sizes(requests, url):
    """What a cold load fetched: bytes on the wire here (uncompressed), and gzipped as GitHub Pages would send them."""
    raw = compressed = 0
    files = 0
    for request in requests:
        if not request.url.startswith(url) or request.service_worker is not None:  # the page's, not the copy's
            continue
        path = SITE / request.url[len(url):].split('?')[0].split('#')[0]
        if path.is_dir():
            path = path / 'index.html'
        data = path.read_bytes()
        raw += request.sizes()['responseBodySize']
        compressed += len(gzip.compress(data, compresslevel=6))
        files += 1
    return {'files': files, 'bytes': raw, 'gzip_bytes': compressed}


def page_run(browser, url, steps, memory_at):
    """N steps started from the UI, with the chart and previews live: speed, the probes, and memory at each step of
    `memory_at` and at the end."""
    context = browser.new_context()
    context.add_init_script(PROBES)
    page = open_ready(context, url)
    page.click('#settings-panel > summary')  # the settings are folded away
    page.fill('#steps', str(steps))
    page.evaluate('window.probe.armed = true')
    page.click('#train')
    status = page.locator('#status')
    expect(status).to_have_attribute('data-step', re.compile(r'^\d+$'), timeout=60_000)
    samples = []
    while status.get_attribute('data-phase') == 'training':  # polled from here: the page's CSP blocks string predicates
        if len(samples) < len(memory_at) and int(status.get_attribute('data-step')) >= memory_at[len(samples)]:
            samples.append(memory(page))
        time.sleep(0.05)
    expect(status).to_have_attribute('data-phase', 'done')
    samples.append(memory(page))
    probe = page.evaluate('window.probe')
    seconds = float(status.get_attribute('data-seconds'))
    context.close()
    return {'steps_per_second': steps / seconds, 'max_gap_ms': probe['maxGap'], 'long_tasks': probe['longTasks'],
            'longest_task_ms': probe['longestTask'], 'memory': samples}


def memory(page):
    """The worker's WebAssembly memory (a high-water mark: it never shrinks), and the page's live JS heap after a
    full collection. The collection stops the page for a moment: the probes leave it out."""
    heap = page.evaluate("""() => {
        window.probe.paused = true;
        const from = performance.now();
        gc();  // so the heap size is what is live, not what the collector has yet to free
        window.probe.pauses.push([from, performance.now()]);
        setTimeout(() => { window.probe.paused = false; }, 30);  // after the timer has ticked again
        return performance.memory.usedJSHeapSize;
    }""")
    return {'step': int(page.locator('#status').get_attribute('data-step')),
            'wasm_bytes': int(page.locator('#status').get_attribute('data-wasm-bytes')), 'js_heap_bytes': heap}


def bare_worker(browser, url, steps):
    context = browser.new_context()
    page = open_ready(context, url)
    seconds = page.evaluate(BARE_WORKER, steps)
    context.close()
    return {'steps_per_second': steps / seconds}


def sweep_run(browser, url, k, steps):
    """`max(k, 2)` copies of the default run of `steps` steps, `k` at once: the page's figures for them."""
    context = browser.new_context()
    context.add_init_script(PROBES)
    context.add_init_script(
        f"Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', {{get: () => {k + 1}}})")
    page = open_ready(context, url)
    page.click('#settings-panel > summary')
    page.fill('#steps', str(steps))
    page.fill('#seed', ','.join(['42'] * max(k, 2)))
    expect(page.locator('#sweep-info')).to_contain_text(f'{k} at once')
    page.click('#train')
    status = page.locator('#status')
    runs = page.locator('#runs .run.sweep-run')
    # the timer's gaps count once all k train (not while the workers load)
    expect(page.locator('#runs .run.sweep-run[data-state="training"]')).to_have_count(k, timeout=120_000)
    page.evaluate('window.probe.armed = true')
    expect(status).to_have_attribute('data-phase', 'done', timeout=900_000)
    probe = page.evaluate('window.probe')
    seconds = float(status.get_attribute('data-sweep-seconds'))
    wasm = [int(b) for b in runs.evaluate_all('els => els.map(e => e.dataset.wasmBytes)')]
    expect(status).to_have_attribute('data-workers', '0', timeout=120_000)
    context.close()
    n = max(k, 2)
    return {'k': k, 'runs': n, 'steps_per_second': n * steps / seconds, 'seconds': seconds,
            'wasm_bytes': wasm, 'max_gap_ms': probe['maxGap'], 'long_tasks': probe['longTasks']}


def sweep_table(r):
    one = r['sweeps'][0]['steps_per_second']
    rows = [f"| runs at once ({r['steps']} steps each, default settings) | runs | total steps/s | parallel efficiency "
            "| wasm memory per worker | longest 10 ms timer gap |", "|---|---|---|---|---|---|"]
    for s in r['sweeps']:
        efficiency = s['steps_per_second'] / (s['k'] * one)
        memory = statistics.mean(s['wasm_bytes']) / 2**20
        rows.append(f"| {s['k']} | {s['runs']} | {s['steps_per_second']:.1f} | {efficiency:.2f} "
                    f"({s['steps_per_second'] / one:.2f}x one) | {memory:.0f} MiB | {s['max_gap_ms']:.0f} ms |")
    return '\n'.join(rows) + '\n'


def sweeps(args):
    ks = sorted({1, 2, args.sweep or os.cpu_count() or 1})
    r = {'steps': args.steps, 'cores': os.cpu_count(), 'sweeps': []}
    with serve_site() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(**launch_args())
        for k in ks:
            print(f"bench: {max(k, 2)} copies of the default run, {k} at once, {args.steps} steps", file=sys.stderr,
                  flush=True)
            r['sweeps'].append(sweep_run(browser, url, k, args.steps))
        browser.close()
    (args.out / 'bench-sweep.json').write_text(json.dumps(r, indent=1) + '\n')
    text = sweep_table(r)
    (args.out / 'bench-sweep.md').write_text(text)
    print(text)


def median_of(runs):
    """One program's repeated runs: the median steps/s, each run's kept beside it."""
    speeds = [run['steps_per_second'] for run in runs]
    return {**runs[0], 'steps_per_second': statistics.median(speeds), 'runs': speeds}


def budget(r):
    """The targets of this machine's budget: (what, measured, target, holds)."""
    lines = [
        ('UI cost: page / bare worker steps/s', r['page']['steps_per_second'] / r['worker']['steps_per_second'],
         '>= 0.97', lambda x: x >= 0.97),
        ('longest main-thread timer gap while training (ms)', r['page_long']['max_gap_ms'], '<= 50', lambda x: x <= 50),
        ('long tasks over 50 ms after ready', r['page_long']['long_tasks'], '0', lambda x: x == 0),
        ('ready, cold (s)', r['load']['cold_seconds'], '<= 4', lambda x: x <= 4),
        ('ready, warm (s)', r['load']['warm_seconds'], '<= 2', lambda x: x <= 2),
        ('wasm memory, end / first sample', memory_ratio(r['page_long'], 'wasm_bytes'), '<= 1.10', lambda x: x <= 1.10),
        ('JS heap, end / first sample', memory_ratio(r['page_long'], 'js_heap_bytes'), '<= 1.10', lambda x: x <= 1.10),
        ('wasm memory, end / second sample (a leak grows here)', memory_ratio(r['page_long'], 'wasm_bytes', 1),
         '<= 1.10', lambda x: x <= 1.10),
    ]
    if 'original' in r:
        lines.insert(1, ('page / original script steps/s',
                         r['page']['steps_per_second'] / r['original']['steps_per_second'],
                         '>= 1.3', lambda x: x >= 1.3))
    return [(what, value, target, check(value)) for what, value, target, check in lines]


def memory_ratio(run, kind, early=0):
    """Memory at the end over memory at the `early`-th sample."""
    return run['memory'][-1][kind] / run['memory'][early][kind]


def series(run, kind, unit, spec='.0f'):
    return ' / '.join(format(m[kind] / unit, spec) for m in run['memory'])


def table(r):
    steps = r['steps']
    rows = [f"| measurement ({steps} steps, default settings) | steps/s (median of {r['rounds']}) | vs the page |",
            "|---|---|---|"]
    page = r['page']['steps_per_second']
    speeds = [('original microgpt.py, ' + r['default_python']['python'], r.get('original')),
              (f"microgpt, CPython {r['default_python']['python']} (default python3)", r['default_python']),
              (f"microgpt, CPython {r['venv_python']['python']}", r['venv_python']),
              (f"microgpt, Pyodide {r['pyodide_node']['python']} under Node", r['pyodide_node']),
              ('the bare worker in Chromium (no UI)', r['worker']),
              ('the page in Chromium (chart and previews live)', r['page'])]
    for name, result in speeds:
        if result:
            rows.append(f"| {name} | {result['steps_per_second']:.2f} | {page / result['steps_per_second']:.2f}x |")
    load, p = r['load'], r['page_long']
    rows += ["", "| page | figure |", "|---|---|",
             f"| ready, cold (median of {len(load['cold'])}) | {load['cold_seconds']:.2f} s |",
             f"| ready, warm (median of {len(load['warm'])}) | {load['warm_seconds']:.2f} s |",
             f"| cold load: files, bytes, gzip bytes | {load['files']}, {load['bytes'] / 1e6:.1f} MB, "
             f"{load['gzip_bytes'] / 1e6:.1f} MB |",
             f"| longest 10 ms timer gap while training ({r['memory_steps']} steps) | {p['max_gap_ms']:.0f} ms |",
             f"| long tasks after ready (longest) | {p['long_tasks']} ({p['longest_task_ms']:.0f} ms) |",
             f"| worker wasm memory at step {series(p, 'step', 1)} | {series(p, 'wasm_bytes', 2**20)} MiB |",
             f"| page JS heap at step {series(p, 'step', 1)} | {series(p, 'js_heap_bytes', 2**20, '.1f')} MiB |",
             "", "| budget | measured | target | holds |", "|---|---|---|---|"]
    rows += [f"| {what} | {value:.2f} | {target} | {'yes' if ok else '**no**'} |"
             for what, value, target, ok in budget(r)]
    return '\n'.join(rows) + '\n'


def sane(r):
    """Every figure present, finite and positive where it must be: what the quick mode checks in CI."""
    speeds = [r[k]['steps_per_second'] for k in ('default_python', 'venv_python', 'pyodide_node', 'worker', 'page')]
    if 'original' in r:
        speeds.append(r['original']['steps_per_second'])
    load, p = r['load'], r['page_long']
    checks = [all(0 < s < 10_000 for s in speeds), 0 < load['cold_seconds'] < 60, 0 < load['warm_seconds'] < 60,
              load['files'] >= 8, load['bytes'] > 5e6, 0 < load['gzip_bytes'] < load['bytes'],
              0 < p['max_gap_ms'] < 10_000, p['long_tasks'] >= 0,
              len(p['memory']) == 3, all(m['wasm_bytes'] > 1e6 and m['js_heap_bytes'] > 0 for m in p['memory']),
              p['memory'][-1]['step'] == r['memory_steps']]
    return all(checks)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--quick', action='store_true', help="a few steps, one round: checks the benchmark still works")
    p.add_argument('--steps', type=int, default=200)
    p.add_argument('--original', type=Path, help="the original single-file microgpt.py, for the headline ratio")
    p.add_argument('--default-python', default='python3', help="the machine's default python3")
    p.add_argument('--out', type=Path, default=ROOT, help="where to write bench.json and bench.md")
    p.add_argument('--sweep', type=int, nargs='?', const=0, metavar='K',
                   help="measure sweeps instead: K = 1, 2 and K (default: the machine's cores) runs at once")
    args = p.parse_args()
    if args.sweep is not None:
        if args.steps == p.get_default('steps'):
            args.steps = 300
        return sweeps(args)
    steps, rounds, repeat, memory_steps, memory_at = \
        (10, 1, 2, 40, (10, 20)) if args.quick else (args.steps, 3, 5, 1000, (100, 500))

    r = {'steps': steps, 'rounds': rounds, 'memory_steps': memory_steps, 'quick': args.quick}
    def log(what):
        print(f"bench: {what}", file=sys.stderr, flush=True)
    with serve_site() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(
            **launch_args({'args': ['--enable-precise-memory-info', '--js-flags=--expose-gc']}))
        programs = {
            'default_python': (f"native CPython ({args.default_python})", lambda: native(args.default_python, steps)),
            'venv_python': (f"native CPython ({sys.executable})", lambda: native(sys.executable, steps)),
            'pyodide_node': ("Pyodide under Node", lambda: pyodide_node(steps)),
            'worker': ("the bare worker", lambda: bare_worker(browser, url, steps)),
            'page': ("the page", lambda: page_run(browser, url, steps, memory_at=())),
        }
        if args.original:
            programs['original'] = ("the original script (0 and N steps)",
                                    lambda: original(args.original, args.default_python, steps))
        runs = {key: [] for key in programs}
        for i in range(rounds):
            for key, (what, run) in programs.items():
                log(f"round {i + 1} of {rounds}: {what}, {steps} steps")
                runs[key].append(run())
        r.update({key: median_of(results) for key, results in runs.items()})
        log(f"the page, {memory_steps} steps, for memory and responsiveness")
        r['page_long'] = page_run(browser, url, memory_steps, memory_at)
        log(f"load, cold and warm, {repeat} times each")
        r['load'] = load_times(browser, url, repeat)
        browser.close()
    (args.out / 'bench.json').write_text(json.dumps(r, indent=1) + '\n')
    text = table(r)
    (args.out / 'bench.md').write_text(text)
    print(text)
    if not sane(r):
        sys.exit("bench: some figures are missing or not sane (see bench.json)")


if __name__ == '__main__':
    main()
