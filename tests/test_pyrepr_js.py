"""web/pyrepr.js under Node: the page writes Python's floats exactly as Python's repr() does."""

import json
import math
import random
import shutil
import struct
import subprocess

import pytest

from conftest import ROOT

pytestmark = pytest.mark.skipif(shutil.which('node') is None, reason="Node.js is not installed")


def doubles():
    """Edge cases of the format (where Python and JS switch notation, round numbers, the extremes) and random bits."""
    edges = [0.0, 1.0, 0.1, 0.5, 1e-4, 9.999e-5, 1e-5, 0.00012, 1e-7, 1.5e-7, 123.456, 1e15, 9999999999999998.0,
             1e16, 1.5e16, 1e21, 1e22, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 1 / 3, 2 / 3,
             100.0, 1234567.0, 0.30000000000000004, 1e-10, 3.7e-300, 6.02e23]
    rng = random.Random(0)
    bits = [struct.unpack('<d', rng.getrandbits(64).to_bytes(8, 'little'))[0] for _ in range(2000)]
    scaled = [rng.random() * 10 ** rng.randint(-12, 20) for _ in range(2000)]
    values = edges + [-x for x in edges] + bits + scaled + [math.inf, -math.inf, math.nan, -0.0]
    return [x for x in values if not math.isnan(x)] + [math.nan]


def test_pyrepr_writes_every_double_as_python_does():
    values = doubles()
    # the doubles travel as their bits, so JSON's own number formatting plays no part
    hex_bits = [struct.pack('<d', x).hex() for x in values]
    script = (f"import {{ pyRepr }} from {json.dumps((ROOT / 'web' / 'pyrepr.js').as_uri())};\n"
              f"const bits = {json.dumps(hex_bits)};\n"
              "const out = bits.map((h) => pyRepr(new DataView(Uint8Array.from(h.match(/../g), (b) => "
              "parseInt(b, 16)).buffer).getFloat64(0, true)));\n"
              "console.log(JSON.stringify(out));")
    out = subprocess.run(['node', '--input-type=module', '-e', script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [repr(x) for x in values]
