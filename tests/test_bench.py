"""The benchmark's quick mode, so that it cannot rot: it runs end to end and every figure is present and sane."""

import json
import subprocess
import sys

import pytest

from conftest import TESTS


@pytest.mark.slow
def test_the_quick_benchmark_runs_and_its_figures_are_sane(tmp_path):
    out = subprocess.run([sys.executable, TESTS / 'bench' / 'bench.py', '--quick', '--out', tmp_path,
                          '--default-python', sys.executable], capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-2000:]
    r = json.loads((tmp_path / 'bench.json').read_text())
    for key in ('default_python', 'venv_python', 'pyodide_node', 'worker', 'page'):
        assert r[key]['steps_per_second'] > 0
    assert r['pyodide_node']['python'].startswith('3.') and r['load']['files'] >= 8
    steps = [m['step'] for m in r['page_long']['memory']]
    assert len(steps) == 3 and 10 <= steps[0] <= steps[1] <= steps[2] == 40
    table = (tmp_path / 'bench.md').read_text()
    assert '| UI cost: page / bare worker steps/s |' in table and table in out.stdout
