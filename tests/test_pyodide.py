"""The core inside Pyodide (CPython compiled to WebAssembly, as in the page), run under Node: the golden numbers hold."""

import json
import shutil
import subprocess

import pytest

from conftest import ROOT, TESTS, assert_same_floats, golden

RUN = """
import json, sys
from microgpt import Config, Trainer, builtin_names, documents
trainer = Trainer(Config(**json.loads({config!r})), documents(builtin_names()))
losses = [trainer.step() for _ in range(trainer.config.steps)]
json.dumps({{'python': sys.version, 'platform': sys.platform, 'losses': losses, 'samples': trainer.final_samples()}})
"""


def wheel():
    wheels = sorted((ROOT / 'dist').glob('microgpt-*-py3-none-any.whl'))
    if not wheels or not (ROOT / 'web' / 'node_modules' / 'pyodide').exists():
        pytest.fail("no wheel in dist/ or no web/node_modules: run the tests with `python build.py test`")
    return wheels[-1]


@pytest.mark.skipif(shutil.which('node') is None, reason="Node.js is not installed")
def test_variant_small_in_pyodide():
    g = golden('variant-small')
    code = RUN.format(config=json.dumps(g['config']))
    out = subprocess.run(['node', TESTS / 'pyodide_run.mjs', wheel()], input=code, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result['platform'] == 'emscripten' and result['python'].startswith('3.')
    assert_same_floats(result['losses'], g['trace'])
    assert result['samples'] == g['samples']
