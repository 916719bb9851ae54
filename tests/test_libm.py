"""microgpt.libm: the ports compute what glibc 2.36's x86_64 FMA libm computes, and the dispatch knows where it runs.

Comparing a port with the platform's math is only meaningful where the platform is that libm (Debian 12 on an x86_64
CPU with FMA and AVX2, as the golden runs were made); elsewhere those tests skip. The ports' own checks run anywhere.
"""
import math
import platform
import random
import struct
import sys
from decimal import Context, localcontext
from fractions import Fraction

import pytest

from microgpt import libm

NAMES = ('exp', 'log', 'pow', 'sin', 'cos')
# Python before 3.13 has no math.fma and the ports fall back to an exact but slow integer fma.
SAMPLES = 400_000 if hasattr(math, "fma") else 150_000


def _cpu_flags():
    try:
        with open('/proc/cpuinfo') as f:
            return next((set(line.split(':', 1)[1].split()) for line in f if line.startswith('flags')), set())
    except OSError:
        return set()


GLIBC_FMA = (sys.platform == 'linux' and platform.machine() == 'x86_64' and platform.libc_ver() == ('glibc', '2.36')
             and {'fma', 'avx2'} <= _cpu_flags())
on_glibc_fma = pytest.mark.skipif(not GLIBC_FMA, reason="the reference libm is glibc 2.36 on x86_64 with FMA and AVX2")
native_is_reference = pytest.mark.skipif(not all(libm.NATIVE.values()),
                                         reason="this platform's math does not reproduce glibc 2.36's FMA results")


def outcome(f, *args):
    """f(*args), or the exception's type, to compare errors too."""
    try:
        return f(*args)
    except (ValueError, OverflowError, ZeroDivisionError) as e:
        return type(e)


def same(a, b):
    """Bit-for-bit equality of floats (signed zeros apart, NaNs alike), or equality of outcomes."""
    if isinstance(a, float) and isinstance(b, float):
        return struct.pack('<d', a) == struct.pack('<d', b) or (a != a and b != b)
    return a == b


def assert_same(name, port, native, cases):
    differ = [(args, port_r, native_r) for args in cases
              if not same(port_r := outcome(port, *args), native_r := outcome(native, *args))]
    assert not differ, f"{len(differ)} of {len(cases)} {name} cases differ, first: {differ[:3]}"


@on_glibc_fma
def test_dispatch_picks_the_platform_functions_here():
    assert libm.NATIVE == dict.fromkeys(NAMES, True)
    assert (libm.exp, libm.log, libm.pow, libm.sin, libm.cos) == (math.exp, math.log, math.pow, math.sin, math.cos)


@on_glibc_fma
@pytest.mark.parametrize('name', NAMES)
def test_stored_vectors_are_what_the_platform_computes(name):
    for args, expected in libm._VECTORS[name]:
        assert same(getattr(math, name)(*args), expected), (name, args)


@pytest.mark.parametrize('name', NAMES)
def test_ports_reproduce_the_stored_vectors(name):
    for args, expected in libm._VECTORS[name]:
        assert same(getattr(libm.ported(), name)(*args), expected), (name, args)


def _sincos(ctx, x):
    """sin x and cos x by their Taylor series, to the context's precision (|x| < 8)."""
    s, c, term, n = ctx.create_decimal(0), ctx.create_decimal(1), x, 1
    while abs(term) > ctx.create_decimal('1e-70'):
        s += term if n % 4 == 1 else -term
        term = term * x / (n + 1)
        c += -term if n % 4 == 1 else term
        term = term * x / (n + 2)
        n += 2
    return s, c


@pytest.mark.parametrize('name', NAMES)
def test_stored_vectors_are_not_correctly_rounded(name):
    with localcontext(Context(prec=80)) as ctx:
        exact = {'exp': lambda x: ctx.exp(x[0]), 'log': lambda x: ctx.ln(x[0]),
                 'pow': lambda x: ctx.exp(x[1] * ctx.ln(x[0])), 'sin': lambda x: _sincos(ctx, x[0])[0],
                 'cos': lambda x: _sincos(ctx, x[0])[1]}[name]
        for args, expected in libm._VECTORS[name]:
            x = [ctx.create_decimal_from_float(a) for a in args]
            assert float(exact(x)) != expected, (name, args)


@pytest.mark.parametrize('seed', range(3))
def test_fma_rounds_once(seed):
    r = random.Random(seed)
    for _ in range(2000):
        a, b, c = (r.uniform(-1, 1) * 2.0 ** r.randint(-540, 500) for _ in range(3))
        if r.random() < 0.3:
            c = -a * b  # cancellation: the low bits are all that is left
        assert same(libm.fma(a, b, c), float(Fraction(a) * Fraction(b) + Fraction(c)))


def _random_bits(r):
    return struct.unpack('<d', struct.pack('<Q', r.getrandbits(64)))[0]


def _cases(name, r, n):
    """Arguments of the kinds this program computes, plus wider ranges and random bit patterns."""
    if name == 'exp':
        return [(r.uniform(-60, 0),) for _ in range(n // 2)] + [(r.uniform(-760, 720),) for _ in range(n // 4)] \
            + [(_random_bits(r),) for _ in range(n // 4)]
    if name == 'log':
        return [(1.0 - r.random(),) for _ in range(n // 2)] + [(r.uniform(0.9, 1.1),) for _ in range(n // 4)] \
            + [(_random_bits(r),) for _ in range(n // 4)]
    if name == 'pow':
        exponents = (2.0, -1.0, 0.5, -0.5, -2.0, -1.5, 1.0)
        return [(10 ** r.uniform(-12, 3), r.choice(exponents)) for _ in range(n // 2)] \
            + [(r.choice((0.85, 0.99)), r.randint(1, 100_000)) for _ in range(n // 8)] \
            + [(r.uniform(0, 3), r.uniform(-700, 700) * r.random() ** 4) for _ in range(n // 8)] \
            + [(-r.uniform(0, 5), float(r.randint(-600, 600))) for _ in range(n // 8)] \
            + [(_random_bits(r), _random_bits(r)) for _ in range(n // 8)]
    return [(r.random() * 2 * math.pi,) for _ in range(n // 2)] + [(r.uniform(-1e5, 1e5),) for _ in range(n // 4)] \
        + [(r.choice((1, -1)) * 10 ** r.uniform(-10, 8),) for _ in range(n // 4)]


@native_is_reference
@pytest.mark.parametrize('name', NAMES)
def test_ports_equal_the_platform_on_random_arguments(name):
    assert_same(name, getattr(libm.ported(), name), getattr(math, name), _cases(name, random.Random(name), SAMPLES))


INF, NAN = math.inf, math.nan
SPECIAL = [0.0, -0.0, INF, -INF, NAN, 1.0, -1.0, 2.0, 0.5, -0.5, 3.0, -3.0, 0.1, 5e-324, -5e-324, 1e-310, -1e-310,
           2.2250738585072014e-308, 1.7976931348623157e308, -1.7976931348623157e308, 0, 1, 2, -1]
EDGES = {
    'exp': [709.782712893384, 709.7827128933841, 710.0, -708.4, -745.1332191019411, -745.1332191019412, -745.2,
            -740.0, 511.9, 512.0, -512.0, 1023.9, 1024.0, -1024.0, 2.0 ** -54, -2.0 ** -54, 2.0 ** -55, 1e-300],
    'log': [0.9375, 0.9374999999999999, 1.064697265625, 1.0646972656249998, 1.0000000000000002, 0.9999999999999999,
            0.6875, 1.375, 10 ** 300],
    'sin': [2.0 ** -26, 2.0 ** -27, 0.126, 0.12599999999999997, 0.85546875, 0.8554687499999999, 2.426264762878418,
            2.4262647628784175, 105414349.99999999, 105414352.0, 1e22, math.pi / 4, math.pi / 2, math.pi, 2 * math.pi],
}
EDGES['cos'] = EDGES['sin']
EXPONENTS = [0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5, 3.0, -3.0, 1.5, -1.5, INF, -INF, NAN, 2.0 ** -65, 2.0 ** -66,
             -2.0 ** -66, 2.0 ** 63, -2.0 ** 63, 2.0 ** 53, 2.0 ** 53 + 2, 2.0 ** 52 + 1, 1e300, -1e300, 5e-324, 1075.0,
             -1075.0, 1074.5, 0.3, 1024.0, -1074.0, -1075.5, 0, 1, 2, -1]


@native_is_reference
@pytest.mark.parametrize('name', NAMES)
def test_ports_equal_the_platform_on_edge_cases(name):
    if name == 'pow':
        cases = [(x, y) for x in SPECIAL + [0.999999999999, 1.0000000000001, 0.85, 4] for y in EXPONENTS]
    else:
        cases = [(x,) for x in SPECIAL + EDGES[name]]
    assert_same(name, getattr(libm.ported(), name), getattr(math, name), cases)


def _near_midpoints(r, y, n):
    """Arguments whose exact power lies near a midpoint between two doubles: where glibc's pow is hardest to round
    and the port's rounding test must hand over to the full computation."""
    cases = []
    for _ in range(n):
        m = 2 ** r.uniform(-60, 60)
        mid = Fraction(m) + Fraction(math.ulp(m)) / 2  # exactly halfway between m and the next double
        with localcontext(Context(prec=40)) as ctx:
            d = ctx.create_decimal(mid.numerator) / mid.denominator
            x = {2.0: ctx.sqrt(d), 0.5: d * d, -1.0: 1 / d}[y]
        cases.append((float(x), y))
    return cases


@native_is_reference
@pytest.mark.parametrize('y', [2.0, 0.5, -1.0])
def test_pow_rounding_test_near_midpoints_and_across_ranges(y):
    r = random.Random(int(y * 4))
    cases = _near_midpoints(r, y, 20_000) + [(math.ldexp(r.choice((1, -1)) * r.uniform(0.5, 1), r.randint(-1073, 1024)),
                                              y) for _ in range(50_000)]
    assert_same('pow', libm.ported().pow, math.pow, cases)


def _in_band(r, y, n, low=0.39, high=0.46):
    """Arguments whose exact power lies low..high ulp from the double nearest it: the edge of the rounding test's
    fast path (it trusts glibc there up to 0.45 ulp, glibc's error bound leaving 0.04 ulp to spare)."""
    fma, ulp, cases = libm.fma, math.ulp, []
    while len(cases) < n:
        x = math.ldexp(r.uniform(0.5, 1), r.randint(-60, 60))
        if y == 2.0:
            hi = x * x
            d = abs(fma(x, x, -hi)) / ulp(hi)
        elif y == 0.5:
            s = math.sqrt(x)
            d = abs(fma(-s, s, x)) / (2 * s * ulp(s))
        else:
            q = 1 / x
            d = abs(fma(q, x, -1.0)) / (x * ulp(q))
        if low < d < high:
            cases.append((x, y))
    return cases


@native_is_reference
@pytest.mark.parametrize('y', [2.0, 0.5, -1.0])
def test_pow_rounding_test_at_the_edge_of_its_fast_path(y):
    assert_same('pow', libm.ported().pow, math.pow, _in_band(random.Random(int(y * 8)), y, 20_000))


def test_pow_of_an_int_is_a_float_as_math_pow_gives():
    port = libm.ported().pow
    assert [(port(3, y), type(port(3, y))) for y in (2.0, 0.5, -1.0)] == [(9.0, float), (math.sqrt(3), float),
                                                                        (1 / 3, float)]
