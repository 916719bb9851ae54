"""microgpt.script runs a script unchanged and prints what python3 prints: each test runs the same file natively with
this Python (`python file`, in a folder holding input.txt) and in-process with script.run(), and compares the bytes.
Natively (glibc) libm's functions are the platform's, so the runs here also take libm's pure-Python ports (what
Pyodide uses) in their place; tests/test_pyodide.py runs the reference inside Pyodide."""

import ast
import linecache
import math
import operator
import os
import random
import struct
import subprocess
import sys

import pytest

from conftest import ROOT
from microgpt import libm, script

REFERENCE = ROOT.parent / 'shared' / 'reference' / 'microgpt.py'
NAMES = (ROOT / 'microgpt' / 'names.txt').read_bytes()
SCRIPTS = ROOT / 'tests' / 'scripts'
STEPS_LINE = b'num_steps = 1000 # number of training steps'


def reference(steps):
    """The published reference with its number of training steps changed, and nothing else."""
    if not REFERENCE.exists():
        pytest.skip(f"the reference is not at {REFERENCE} (../shared/reference/microgpt.py)")
    source = REFERENCE.read_bytes()
    assert script.is_reference(source)
    assert source.count(STEPS_LINE) == 1
    shortened = source.replace(STEPS_LINE, b'num_steps = %d # number of training steps' % steps)
    assert not script.is_reference(shortened)
    return shortened


def native(tmp_path, source, name='microgpt.py', dataset=NAMES):
    """python3 running the file in a folder holding it and input.txt: (stdout bytes, stderr, status). The absolute
    path python3 shows for the file is written as its name, as the page shows it."""
    folder = tmp_path / 'native'
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(source)
    if dataset is not None:
        (folder / 'input.txt').write_bytes(dataset)
    env = {k: v for k, v in os.environ.items() if not k.startswith('PYTHON')}
    env.update(LC_ALL='C.UTF-8', PYTHON_COLORS='0')
    done = subprocess.run([sys.executable, name], cwd=folder, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                          timeout=600)
    return done.stdout, done.stderr.decode().replace(str(folder / name), name), done.returncode


def in_process(source, name='microgpt.py', dataset=NAMES, exact=True):
    """script.run(): (stdout bytes, stderr, status, the writes as made)."""
    writes = []
    status = script.run(source, name, lambda stream, text: writes.append((stream, text)), dataset=dataset,
                        exact=exact)
    stdout = ''.join(text for stream, text in writes if stream == 'stdout').encode()
    return stdout, ''.join(text for stream, text in writes if stream == 'stderr'), status, writes


@pytest.fixture(params=['platform', 'ports'])
def lib(request, monkeypatch):
    """Each run twice: with libm as this platform chose it, and with libm's ports in place of glibc's (Pyodide's)."""
    if request.param == 'ports':
        monkeypatch.setattr(script, '_substitutes', script._Substitutes(libm.ported()))
    return request.param


# ---- the reference, and a script of the project's own ----

def test_the_reference_prints_what_python3_prints(tmp_path):
    source = reference(15)
    expected, errors, status = native(tmp_path, source)
    assert (errors, status) == ('', 0)
    stdout, stderr, status, writes = in_process(source)
    assert (stderr, status) == ('', 0)
    assert stdout == expected
    step_lines = [text for stream, text in writes if text.startswith('step')]
    assert step_lines[0] == 'step    1 /   15 | loss 3.3660' and len(step_lines) == 15  # as written: the '\r' apart
    # what the page reads from it: every loss as printed, the 20 names
    events = script.OutputParser().feed(stdout.decode())
    printed = expected.decode().replace('\r', '\n').split('\n')
    losses = [line.rsplit(' ', 1)[1] for line in printed if line.startswith('step')]
    assert [e for e in events if e['kind'] == 'loss'] == [
        {'kind': 'loss', 'step': i + 1, 'steps': 15, 'loss': float(loss)} for i, loss in enumerate(losses)]
    samples = [line.split(': ', 1)[1] for line in printed if line.startswith('sample')]
    assert [e for e in events if e['kind'] == 'sample'] == [
        {'kind': 'sample', 'index': i + 1, 'text': text} for i, text in enumerate(samples)]
    assert len(samples) == 20 and all(samples)


def test_the_reference_with_the_ports_prints_what_python3_prints(tmp_path, monkeypatch):
    """Pyodide's path (the ports, the exact math module's wrappers, random's swapped functions), natively."""
    source = reference(3)
    expected, _, _ = native(tmp_path, source)
    monkeypatch.setattr(script, '_substitutes', script._Substitutes(libm.ported()))
    assert in_process(source)[:3] == (expected, '', 0)


def test_the_exact_paths_script_prints_what_python3_prints(tmp_path, lib):
    source = (SCRIPTS / 'exact_paths.py').read_bytes()
    expected, errors, status = native(tmp_path, source, 'exact_paths.py')
    assert (errors, status) == ('', 0)
    stdout, stderr, status, writes = in_process(source, 'exact_paths.py')
    assert (stderr, status) == ('', 0)
    assert stdout == expected
    assert ('stdout', 'step    1 /    3 | loss 3.2000') in writes and ('stdout', '\r') in writes
    assert b'input.txt 32033 emma zzyzx\n' in stdout


def test_without_exact_the_platforms_functions_run(tmp_path, monkeypatch):
    monkeypatch.setattr(script, '_substitutes', script._Substitutes(libm.ported()))
    source = b'import math\nprint(type(math.exp).__name__, (2.0 ** 0.5).hex(), "__microgpt_exact_pow__" in globals())\n'
    assert in_process(source, exact=False)[:3] == (b'builtin_function_or_method 0x1.6a09e667f3bcdp+0 False\n', '', 0)
    assert in_process(source)[:3] == (b'function 0x1.6a09e667f3bcdp+0 True\n', '', 0)


# ---- errors, exit statuses, warnings: as python3 reports them ----

ERRORS = {
    'unclosed.py': b'print("before")\nx = (1 +\n',
    'return.py': b'x = 1\nreturn 2\n',
    'raises.py': b'print("before")\nx = 1\nraise ValueError("the script broke")\n',
    'power.py': b'def f(x):\n    return 1.5 + x ** -1 * 2\n\ntry:\n    f(0.0)\nexcept ZeroDivisionError as e:\n'
                b'    raise ValueError("chained") from e\n',
    'context.py': b'import math\ntry:\n    math.log(0.0)\nexcept ValueError:\n    y = [10.0]\n    y[0] **= 10 ** 3\n',
    'overflow.py': b'import math\nprint(math.exp(1.0))\nxs = [10.0]\nxs[0] = xs[0] ** 400\n',
    'exp.py': b'import math\nmath.exp(1000)\n',
    'log.py': b'import math\nprint(math.log(8, 2), math.log(10 ** 400))\nmath.log(-1)\n',
    'exit3.py': b'import sys\nprint("bye")\nsys.exit(3)\n',
    'exit_text.py': b'import sys\nsys.exit("it says why")\n',
    'exit_none.py': b'raise SystemExit\n',
    'exit256.py': b'import sys\nsys.exit(256 + 7)\n',
    'stdin.py': b'input()\n',
    'warns.py': b'import warnings\nx = "\\d"\nwarnings.warn("careful")\nwarnings.warn("old", DeprecationWarning)\n'
                b'print(x)\n',
    'argv.py': b'import os, sys\nprint(sys.argv, __name__, os.path.basename(__file__), open(__file__).read()[:6])\n'
               b'print(os.path.exists("input.txt"))\n',
    'hook.py': b'import sys\ndef hook(*args):\n    1 / 0\nsys.excepthook = hook\nprint("x")\n'
               b'raise ValueError("boom")\n',
}


@pytest.mark.parametrize('name', ERRORS)
def test_errors_and_exits_as_python3_reports_them(tmp_path, lib, name):
    source = ERRORS[name]
    expected = native(tmp_path, source, name, dataset=None)
    assert in_process(source, name, dataset=None)[:3] == expected
    assert expected[2] == {'unclosed.py': 1, 'exit3.py': 3, 'exit_none.py': 0, 'exit256.py': 7, 'warns.py': 0,
                           'argv.py': 0}.get(name, 1)


def test_an_exit_code_that_cannot_be_printed_is_status_1():
    # python3 prints nothing for it (3.13 then reports the RuntimeError as "ignored on threading shutdown")
    source = b'class Code:\n    def __str__(self):\n        raise RuntimeError("no text")\n\nraise SystemExit(Code())\n'
    assert in_process(source, 'bad_exit.py')[:3] == (b'', '', 1)


def test_what_the_errors_say():
    """A few of the comparisons above, spelled out."""
    _, stderr, status, _ = in_process(ERRORS['raises.py'], 'raises.py')
    assert stderr == ('Traceback (most recent call last):\n  File "raises.py", line 3, in <module>\n'
                      '    raise ValueError("the script broke")\nValueError: the script broke\n') and status == 1
    _, stderr, status, _ = in_process(ERRORS['unclosed.py'], 'unclosed.py')
    assert stderr.startswith('  File "unclosed.py", line 2\n    x = (1 +\n') and status == 1
    assert stderr.endswith("SyntaxError: '(' was never closed\n")
    _, stderr, _, _ = in_process(ERRORS['power.py'], 'power.py')
    assert 'File "power.py", line 2, in f\n    return 1.5 + x ** -1 * 2\n                 ~~^^~~~\n' in stderr
    assert 'script.py' not in stderr and 'libm.py' not in stderr
    _, stderr, _, _ = in_process(ERRORS['overflow.py'], 'overflow.py')
    assert stderr.endswith("line 4, in <module>\n    xs[0] = xs[0] ** 400\n            ~~~~~~^^~~~~\n"
                           "OverflowError: (34, 'Numerical result out of range')\n")


def test_a_lone_surrogate():
    """Not text: stdout refuses it as python3's does under a UTF-8 locale such as en_US.UTF-8 (under C.UTF-8 or C it
    would write the byte, which a page cannot show), stderr escapes it."""
    stdout, stderr, status, _ = in_process(b'import sys\nprint("a\\udc80b", file=sys.stderr)\nprint("a\\udc80b")\n')
    assert stdout == b'' and status == 1 and stderr.startswith('a\\udc80b\nTraceback')
    assert stderr.endswith("UnicodeEncodeError: 'utf-8' codec can't encode character '\\udc80' in position 1: "
                           "surrogates not allowed\n")


def test_a_keyboard_interrupt(tmp_path):
    source = b'print("working")\nraise KeyboardInterrupt\n'
    stdout, stderr, status = native(tmp_path, source, 'stop.py')
    assert in_process(source, 'stop.py')[:3] == (stdout, stderr, 130) and status in (-2, 130)


# ---- offline ----

NETWORK = {
    'urlopen.py': (b'import urllib.request\nprint("fetching")\nurllib.request.urlopen("https://example.com")\n',
                   "urllib tried to open 'https://example.com'"),
    'urlretrieve.py': (b'import urllib.request\nurllib.request.urlretrieve("https://raw.githubusercontent.com/karpathy'
                       b'/makemore/988aa59/names.txt", "input.txt")\n',
                       "urllib tried to open 'https://raw.githubusercontent.com/karpathy/makemore/988aa59/names.txt'"),
    'via_http.py': (b'import http.client\nhttp.client.HTTPSConnection("example.com").request("GET", "/")\n',
                "http.client tried to connect to 'example.com' port 443"),
    'via_socket.py': (b'import socket\nsocket.create_connection(("example.com", 80))\n',
                  "it tried to look up the host 'example.com'"),
    'via_connect.py': (b'import socket\nsocket.socket().connect(("127.0.0.1", 9))\n',
                   "a socket tried to connect to ('127.0.0.1', 9)"),
}

_events = []  # the network's audit events while a test records them (an audit hook cannot be removed)


def _record(event, args):
    if _events and (event.startswith('socket.') or event.startswith('http.')):
        _events.append(event)


# after script's own hook (a first run installs it): an event it refuses goes no further, to this one or the network
script.run(b'', write=lambda stream, text: None)
sys.addaudithook(_record)


@pytest.mark.parametrize('name', NETWORK)
def test_a_script_that_reaches_for_the_network_is_told_the_page_is_offline(name):
    source, what = NETWORK[name]
    _events[:] = ['recording']
    try:
        _, stderr, status, _ = in_process(source, name)
    finally:
        seen = _events[1:]
        _events.clear()
    assert status == 1
    assert stderr.startswith('Traceback (most recent call last):\n  File "%s", line ' % name)
    assert stderr.endswith(f"OSError: this page runs scripts offline by design: {what}; the script reads its data "
                           "from input.txt, the page's dataset\n")
    # refused before any socket went anywhere (a socket may be made; it connects nowhere)
    assert set(seen) <= {'socket.__new__'}, seen


def test_outside_a_run_the_network_is_not_refused():
    in_process(NETWORK['via_connect.py'][0])
    import socket
    assert socket.getaddrinfo('127.0.0.1', 80)  # a numeric host: no DNS, and no error from the hook


# ---- what a run leaves behind: nothing ----

def test_a_run_restores_what_it_replaced(tmp_path, monkeypatch):
    monkeypatch.setattr(script, '_substitutes', script._Substitutes(libm.ported()))
    before = (os.getcwd(), sys.argv, sys.path[:], sys.stdin, sys.stdout, sys.stderr, sys.modules.get('__main__'),
              random.getstate(), linecache.cache.get('microgpt.py'))
    source = (b'import math, os, random, sys\nrandom.seed(5)\nsys.argv.append("x")\nsys.path.append("y")\n'
              b'print(os.getcwd(), file=sys.stderr)\nos.chdir("/")\nsys.stdout = None\nrandom.gauss(0, 1)\n'
              b'print(math.exp(1.0), file=sys.stderr)\nraise RuntimeError\n')
    _, stderr, status, _ = in_process(source)
    workdir, stderr = stderr.split('\n', 1)
    assert status == 1 and stderr.startswith('2.718281828459045\nTraceback')
    after = (os.getcwd(), sys.argv, sys.path[:], sys.stdin, sys.stdout, sys.stderr, sys.modules.get('__main__'),
             random.getstate(), linecache.cache.get('microgpt.py'))
    assert after == before and sys.modules['math'] is math
    assert (random._log, random._exp, random._cos, random._sin) == (math.log, math.exp, math.cos, math.sin)
    assert random.NV_MAGICCONST == 4 * math.exp(-0.5) / math.sqrt(2.0)
    assert os.path.basename(workdir).startswith('microgpt-script-') and not os.path.exists(workdir)


# ---- exact_pow is `**` ----

def _outcome(f, *args):
    """What f(*args) gives: its type and bits (any NaN as 'nan'), or its exception's type and args."""
    try:
        r = f(*args)
    except Exception as e:  # noqa: BLE001
        return type(e), e.args
    if isinstance(r, float):
        return float, 'nan' if r != r else struct.pack('<d', r)
    if isinstance(r, complex):
        return complex, r.real.hex(), r.imag.hex()
    return type(r), r


def _pairs():
    specials = [0.0, -0.0, math.inf, -math.inf, math.nan, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, -3.0, 1.5, -1.5, 10.0,
                -10.0, 1e308, -1e308, 5e-324, -5e-324, 2.2250738585072014e-308, 1e-300, 1e300, 2.0 ** 53, -(2.0 ** 53),
                2.0 ** 53 + 2, 1.0000000000000002, 0.9999999999999999, 0.1, 1 / 3, 1023.0, 1024.0, -1074.0, -1075.0,
                1e10, -1e10, 2.0 ** 63, 0, 1, -1, 2, -2, 3, -3, 10, -10, 1023, -1074, 2 ** 64, -(2 ** 64), 10 ** 400,
                -(10 ** 400), True, False]
    # (not an int to a huge int power: the builtin would fill the memory with its digits)
    pairs = [(a, b) for a in specials for b in specials if type(a) is float or type(b) is float or b < 100]
    rng = random.Random(5)
    for _ in range(20000):
        a = struct.unpack('<d', rng.getrandbits(64).to_bytes(8, 'little'))[0]
        kind = rng.randrange(6)
        if kind == 0:
            a, b = rng.uniform(0, 10), rng.choice([2, 2.0, 0.5, -0.5, -1, -1.0, -2, 3, rng.uniform(-5, 5)])
        elif kind == 1:
            a, b = -rng.uniform(0, 10), rng.choice([2, 3.0, -3, -1, 0.5, float(rng.randrange(-40, 40))])
        elif kind == 2:
            b = struct.unpack('<d', rng.getrandbits(64).to_bytes(8, 'little'))[0]
        elif kind == 3:
            a, b = rng.randrange(-100, 100), rng.choice([rng.randrange(-30, 30), rng.uniform(-30, 30)])
        elif kind == 4:
            a, b = rng.uniform(0.9, 1.1), rng.uniform(-1e4, 1e4)
        else:
            a, b = rng.uniform(0, 1e-300) * rng.choice([1, -1]), rng.uniform(-2, 2)
        pairs.append((a, b))
    return pairs


PAIRS = _pairs()


@pytest.mark.parametrize('pow_', ['libm', 'ports'])
def test_exact_pow_is_the_builtin_power(pow_):
    if not libm.NATIVE['pow']:
        pytest.skip("the platform's pow is not glibc's: `**` here is not what exact_pow reproduces")
    exact = script.exact_pow if pow_ == 'libm' else script._exact_pow_with(libm.ported().pow, operator.pow)
    reached = 0
    for a, b in PAIRS:
        assert _outcome(exact, a, b) == _outcome(operator.pow, a, b), (a, b)
        reached += type(a) is float is type(b) and 0 < a < math.inf and a != 1 and b != 0 and math.isfinite(b)
    assert reached > 8000  # of 23,000 pairs, those that reach pow() with two floats
    with pytest.raises(OverflowError) as e:
        script.exact_pow(10.0, 400)
    assert e.value.args == (34, 'Numerical result out of range') and e.value.__context__ is None
    assert type(script.exact_pow(2, 3)) is int and script.exact_pow(2, -1) == 0.5 and script.exact_pow(True, 2) == 1


def test_exact_pow_leaves_other_types_alone():
    class Value:
        def __init__(self, data):
            self.data = data

        def __pow__(self, other):
            return ('pow', self.data, other)

        def __rpow__(self, other):
            return ('rpow', other, self.data)

        def __ipow__(self, other):
            return ('ipow', self.data, other)

    class Float(float):
        def __pow__(self, other):
            return 'own'

    v = Value(2.0)
    assert script.exact_pow(v, 0.5) == ('pow', 2.0, 0.5) and script.exact_pow(0.5, v) == ('rpow', 0.5, 2.0)
    assert script.HELPERS['__microgpt_exact_ipow__'](v, 3) == ('ipow', 2.0, 3)
    assert script.exact_pow(Float(2.0), 2.0) == 'own' and script.exact_pow(2.0, 1j) == 2.0 ** 1j
    assert script.exact_pow(-8.0, 1 / 3) == (-8.0) ** (1 / 3)  # a complex: the builtin's


# ---- compile_exact ----

def _exec(code):
    namespace = dict(script.HELPERS)
    exec(code, namespace)
    return namespace


def test_compile_exact_rewrites_every_power():
    source = ('x = 2.0 ** 0.5\ny = [1.5, 2.5]\ny[1] **= 3\nclass A:\n    v = 1.25\n    v **= 2\na = A()\na.v **= -1\n'
              'z = pow(3.0, 0.5), pow(2, 3, 5), pow(base=2.0, exp=2)\nw = (lambda t: t ** t)(1.5)\n'
              'q = [i ** 2 for i in range(3)]\n')
    code = script.compile_exact(source, 'x.py')
    names = set(code.co_names) | {n for c in code.co_consts if hasattr(c, 'co_names') for n in c.co_names}
    assert {'__microgpt_exact_pow__', '__microgpt_exact_ipow__', '__microgpt_exact_call__'} <= names
    got, plain = _exec(code), {}
    exec(source, plain)
    for key in ('x', 'y', 'z', 'w', 'q'):
        assert got[key] == plain[key]
    assert got['a'].v == plain['a'].v and got['A'].v == plain['A'].v
    assert not [k for k in got if k.startswith('__microgpt_') and k not in script.HELPERS]  # temporaries deleted


def test_compound_targets_are_evaluated_once_in_pythons_order():
    source = """
calls = []
class Box:
    def __init__(self):
        self.v, self.items = 2.0, [1.5, 2.5, 3.5, 4.5]
    def __getitem__(self, i):
        calls.append(('get', i)); return self.items[i]
    def __setitem__(self, i, value):
        calls.append(('set', i)); self.items[i] = value
box = Box()
def at(tag, value):
    calls.append(tag); return value
at('obj', box).v **= at('value', 0.5)
at('obj', box)[at('index', 1)] **= at('value', 2)
at('obj', box)[at('index', 3)] **= at('value', -1)
"""
    plain = {}
    exec(source, plain)
    got = _exec(script.compile_exact(source, 'order.py'))
    assert got['calls'] == plain['calls'] and got['box'].items == plain['box'].items and got['box'].v == plain['box'].v
    assert plain['calls'][:7] == ['obj', 'value', 'obj', 'index', ('get', 1), 'value', ('set', 1)]

    def calls_of(code):
        log = []

        class Items:
            def __getitem__(self, key):
                log.append(('get', key))
                return 1.5

            def __setitem__(self, key, value):
                log.append(('set', key, value))

        exec(code, {**script.HELPERS, 'xs': Items(), 'ks': (4, 5), 'k': lambda: log.append('k') or 2})
        return log

    for statement in ('xs[1:3] **= 2', 'xs[::k()] **= k()', 'xs[0, k():] **= 2', 'xs[k()] **= 0.5',
                      'xs[*ks, k()] **= 2', 'xs[k(), ...] **= -1'):
        expected = calls_of(compile(statement, 's.py', 'exec'))
        assert calls_of(script.compile_exact(statement, 's.py')) == expected and expected[-1][0] == 'set', statement


def test_compile_exact_keeps_the_lines_and_columns():
    source = 'import math\n\ndef f(x):\n    y = [x]\n    return (1.0 +\n            y[0] ** -1)\n\nf(0.0)\n'
    with pytest.raises(ZeroDivisionError) as e:
        _exec(script.compile_exact(source, 'lines.py'))
    frames = [(t.tb_frame.f_code.co_filename, t.tb_lineno) for t in _walk(e.value.__traceback__)]
    assert [f for f in frames if f[0] == 'lines.py'] == [('lines.py', 8), ('lines.py', 6)]
    node = ast.parse(source).body[1].body[1].value.right
    positions = [p for p in _positions(script.compile_exact(source, 'lines.py')) if p[0] == 6]
    assert (node.lineno, node.end_lineno, node.col_offset, node.end_col_offset) in positions


def _walk(tb):
    while tb is not None:
        yield tb
        tb = tb.tb_next


def _positions(code):
    for c in [code] + [c for c in code.co_consts if hasattr(c, 'co_positions')]:
        yield from c.co_positions()


def test_names_of_the_script_do_not_collide():
    source = 'exact_pow = 5\npow = lambda a, b: ("mine", a, b)\nx = pow(2.0, 0.5)\ny = 2.0 ** 0.5\n'
    got = _exec(script.compile_exact(source, 'names.py'))
    assert got['x'] == ('mine', 2.0, 0.5) and got['y'] == 2.0 ** 0.5 and got['exact_pow'] == 5


@pytest.mark.parametrize('source', [b'x = (1 +\n', b'x = 1\nreturn 2\n', b'def f(:\n    pass\n', b'x = 1 +* 2\n',
                                    b'nonlocal x\n', b'f(**x, *y)\n', b'\xff = 1\n', b'# coding: nope\n',
                                    b'x ** = 2\n', b'class A:\n    x **= 2\n  y = 1\n'])
def test_a_syntax_error_is_pythons(source):
    with pytest.raises(SyntaxError) as expected:
        compile(source, 'bad.py', 'exec', dont_inherit=True)
    with pytest.raises(SyntaxError) as got:
        script.compile_exact(source, 'bad.py')
    attributes = ('msg', 'filename', 'lineno', 'offset', 'end_lineno', 'end_offset', 'text')
    assert type(got.value) is type(expected.value)
    assert [getattr(got.value, a) for a in attributes] == [getattr(expected.value, a) for a in attributes]


def test_a_long_expression_is_rewritten_and_one_too_deep_for_a_browser_tab_refused():
    source = 'x = ' + ' + '.join(['2.0 ** 0.5'] * 240) + '\n'  # 961 levels of the tree
    assert _exec(script.compile_exact(source, 'long.py'))['x'] == eval(source[4:])
    # deeper, Pyodide's parser or compiler would overflow WebAssembly's stack and end the runtime
    for deep in ['x = ' + ' + '.join(['2.0 ** 0.5'] * 3000) + '\n', 'x = ' + '(' * 101 + '1' + ')' * 101 + '\n']:
        with pytest.raises(SyntaxError, match='^nested too deeply to compile in a browser tab') as e:
            script.compile_exact(deep, 'deep.py')
        assert (e.value.filename, e.value.lineno) == ('deep.py', 1)


# ---- the exact math module ----

def test_the_exact_math_module_with_the_ports_is_math():
    """Its wrappers around the ports take and refuse what math's functions take and refuse, with their messages."""
    if not all(libm.NATIVE.values()):
        pytest.skip("math here is not glibc's")
    exact = script.exact_math(libm.ported())
    assert exact.exp is not math.exp and exact.sqrt is math.sqrt and exact.pi == math.pi
    rng = random.Random(3)
    args = [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 1e-320, 1e308, -1e308, 709.8, 710.0, -745.2, -746.0, math.inf, -math.inf,
            math.nan, 0, 1, 2, -3, 10 ** 400, -(10 ** 400), 2 ** 1023 * 2 - 1, True, '1', None, 1j]
    args += [rng.uniform(-50, 50) for _ in range(300)] + [rng.random() for _ in range(300)]
    for name in ('exp', 'log', 'sin', 'cos'):
        for x in args:
            assert _outcome(getattr(exact, name), x) == _outcome(getattr(math, name), x), (name, x)
    for x in args[:40]:
        for y in args[:40] + [rng.uniform(-3, 3) for _ in range(5)]:
            assert _outcome(exact.pow, x, y) == _outcome(math.pow, x, y), (x, y)
            assert _outcome(exact.log, x, y) == _outcome(math.log, x, y), (x, y)
    for bad in ((), (1.0, 2.0, 3.0)):
        with pytest.raises(TypeError):
            exact.log(*bad)
    with pytest.raises(ValueError) as e:
        exact.log(0.0)
    assert e.value.__context__ is None


# ---- the output parser ----

REFERENCE_OUTPUT = ('num docs: 32033\nvocab size: 27\nnum params: 4192\n'
                    + ''.join(f'step {i:4d} / {3:4d} | loss {loss}\r' for i, loss in
                              [(1, '3.3660'), (2, 'nan'), (3, '-inf')])
                    + '\n--- inference (new, hallucinated names) ---\n'
                    + ''.join(f'sample {i:2d}: {name}\n' for i, name in [(1, 'kamon'), (2, ''), (10, 'an na')]))
EVENTS = [{'kind': 'loss', 'step': 1, 'steps': 3, 'loss': 3.366}, {'kind': 'loss', 'step': 2, 'steps': 3},
          {'kind': 'loss', 'step': 3, 'steps': 3, 'loss': -math.inf}, {'kind': 'sample', 'index': 1, 'text': 'kamon'},
          {'kind': 'sample', 'index': 2, 'text': ''}, {'kind': 'sample', 'index': 10, 'text': 'an na'}]


def _same_events(events):
    assert len(events) == len(EVENTS)
    for got, want in zip(events, EVENTS):
        if want['kind'] == 'loss' and 'loss' not in want:
            assert math.isnan(got.pop('loss'))
        assert got == want


def test_the_parser_reads_the_references_output_split_anywhere():
    _same_events(script.OutputParser().feed(REFERENCE_OUTPUT))
    for i in range(len(REFERENCE_OUTPUT) + 1):
        for j in range(i, len(REFERENCE_OUTPUT) + 1, 7):
            parser = script.OutputParser()
            events = [e for piece in (REFERENCE_OUTPUT[:i], REFERENCE_OUTPUT[i:j], REFERENCE_OUTPUT[j:])
                      for e in parser.feed(piece)]
            _same_events(events + parser.finish())
    parser = script.OutputParser()
    assert [parser.feed(c) for c in REFERENCE_OUTPUT[:45]] == [[]] * 45  # nothing before the line ends


def test_the_parser_is_liberal_in_what_it_reads():
    parser = script.OutputParser()
    assert parser.feed('step 7/10|loss 2.5e-3\r\n  step   12 /   1000 | loss 1\nstep 3 / 4 | loss x\n'
                       'sample 3:name\nsample 4: \n') == [
        {'kind': 'loss', 'step': 7, 'steps': 10, 'loss': 0.0025}, {'kind': 'loss', 'step': 12, 'steps': 1000,
                                                                   'loss': 1.0},
        {'kind': 'sample', 'index': 3, 'text': 'name'}, {'kind': 'sample', 'index': 4, 'text': ''}]
    assert parser.feed('epoch 1 loss 2.0\nhello\n') == [] and parser.feed('sample 5: last') == []
    assert parser.finish() == [{'kind': 'sample', 'index': 5, 'text': 'last'}] and parser.finish() == []


def test_the_parser_ignores_lines_that_cannot_be_progress():
    parser = script.OutputParser()
    # output without line ends keeps only what can still match, and costs time in proportion to it (a quadratic
    # parser would take minutes here)
    for _ in range(20_000):
        assert parser.feed('x' * 500) == []
    assert len(parser._partial) == script.OutputParser.MAX_LINE + 1
    assert parser.feed('\nstep 1 / 2 | loss 3.0\n') == [{'kind': 'loss', 'step': 1, 'steps': 2, 'loss': 3.0}]
    long = 'sample 1: ' + 'a' * script.OutputParser.MAX_LINE
    assert parser.feed(long + '\n' + long[:script.OutputParser.MAX_LINE] + '\n') == [
        {'kind': 'sample', 'index': 1, 'text': 'a' * (script.OutputParser.MAX_LINE - 10)}]
    # steps the page could not count exactly: no progress (a double holds integers to 2**53)
    big = script.OutputParser.MAX_STEP
    assert parser.feed(f'step {big} / {big} | loss 1.0\nstep {big + 1} / 5 | loss 1.0\n'
                       f'step 1 / {10 ** 30} | loss 1.0\n') == [
        {'kind': 'loss', 'step': big, 'steps': big, 'loss': 1.0}]


def test_bytes_and_the_original_streams_are_output_too(tmp_path):
    source = rb"""import os, sys
print("a", flush=True)
sys.stdout.buffer.write("\u00e9t\u00e9\n".encode())
sys.stdout.buffer.write(b"\xe2\x82")  # half a character: its end comes next
sys.stdout.buffer.write(b"\xac\n")
print("b", file=sys.__stdout__)
print("c", file=sys.__stderr__)
sys.stdout.buffer.flush()
print(sys.stdout is sys.__stdout__, sys.stdout.buffer.writable())
"""
    stdout, stderr, status, _ = in_process(source, 'streams.py')
    assert (stdout, stderr, status) == native(tmp_path, source, 'streams.py')
    assert stdout.decode() == 'a\n\u00e9t\u00e9\n\u20ac\nb\nTrue True\n' and stderr == 'c\n'
    assert sys.__stdout__ is not None and sys.stdout is not None  # given back


def test_is_reference():
    assert script.is_reference(REFERENCE.read_bytes()) if REFERENCE.exists() else True
    assert not script.is_reference(b'print("hello")\n')


def test_a_traceback_quotes_the_right_line_after_a_form_feed(tmp_path):
    source = b'x = 1  # \x0c a form feed, which str.splitlines() takes for a line end\ny = 2\nraise ValueError(y)\n'
    expected = native(tmp_path, source, 'feed.py', dataset=None)
    assert in_process(source, 'feed.py', dataset=None)[:3] == expected and '    raise ValueError(y)\n' in expected[1]
