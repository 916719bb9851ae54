"""The paths a script's numbers take through libm, for microgpt.script to run as python3 does (tests/test_script.py):
math's exp, log, pow, sin and cos, random's gauss and its kin, `**` and `**=`, the builtin pow; and output ending in
'\r', and input.txt. It prints every number in hex, so that one last bit of difference shows."""
import math
import random
import sys

print(__name__, sys.argv[0], sys.stdout.isatty())
for i in range(1, 4):
    print(f"step {i:4d} / {3:4d} | loss {3.3 - i / 10:.4f}", end='\r', flush=True)
print()

# arguments from the Mersenne Twister, which uses no libm: the same on every platform
rng = random.Random(2026)
exps = [rng.uniform(-20.0, 0.0) for _ in range(200)] + [rng.uniform(-700.0, 700.0) for _ in range(50)]
logs = [rng.random() for _ in range(200)] + [rng.uniform(0.0, 1e300) for _ in range(50)]
angles = [rng.uniform(0.0, 2 * math.pi) for _ in range(200)] + [rng.uniform(-1e6, 1e6) for _ in range(50)]
bases = [rng.uniform(0.0, 10.0) for _ in range(200)]
# arguments where glibc's results differ from musl's (the ports' own test vectors)
exps += [float.fromhex(h) for h in ('-0x1.1a8bf1518d428p+3', '-0x1.a9cdbac6fdf9dp+5', '-0x1.03b0826bcd894p+5')]
logs += [float.fromhex(h) for h in ('0x1.e7a29aec373ddp-1', '0x1.cfefb8857a39cp-3')]
angles += [float.fromhex(h) for h in ('0x1.5ee37d9caa97cp+1', '0x1.366a58f6dfc0cp+1', '0x1.982ba519a7576p-3',
                                      '0x1.24d9c91c435dap+2', '0x1.cd3101df54373p+0', '0x1.8df3ce883eab6p-1')]
bases += [float.fromhex(h) for h in ('0x1.f46a4f17120edp+2', '0x1.2931bda972ec6p-10', '0x1.0fc67ec9a8de9p-18',
                                     '0x1.9081375088a91p-34', '0x1.c8975825c2fd2p-3', '0x1.e426f43d4c82dp-38')]

print('exp', ' '.join(math.exp(x).hex() for x in exps))
print('log', ' '.join(math.log(x).hex() for x in logs))
print('log2', ' '.join(math.log(x, 2).hex() for x in logs[:50]))
print('log10', ' '.join(math.log(x, 10.0).hex() for x in logs[:50]))
print('log int', math.log(10 ** 400).hex(), math.log(2 ** 1000, 2).hex(), math.log(12345).hex(), math.log(True))
print('sin', ' '.join(math.sin(x).hex() for x in angles))
print('cos', ' '.join(math.cos(x).hex() for x in angles))
for y in (2, 2.0, 0.5, -0.5, -1, -1.0, -2, 3, 1.5, -1.5):
    print('pow', y, ' '.join(math.pow(x, y).hex() for x in bases))
    print('**', y, ' '.join((x ** y).hex() for x in bases))
    print('pow()', y, ' '.join(pow(x, y).hex() for x in bases[:20]))
print('adam', ' '.join((0.85 ** t).hex() + ' ' + (0.99 ** t).hex() for t in range(1, 200)))
print('ints', type(2 ** 3).__name__, 2 ** 3, 2 ** 100, pow(3, 4, 5), (2 ** -1).hex(), (10 ** -3).hex(), (-3) ** -3)
print('negative', ((-1.7) ** 3).hex(), ((-1.7) ** 4.0).hex(), ((-2.5) ** -3).hex(), type((-8.0) ** (1 / 3)).__name__)
print('specials', 0.0 ** 0, 1.0 ** float('nan'), float('inf') ** -1, (-0.0) ** 3, True ** 0.5, 2 ** True)
for a, b in ((0.0, -1), (10.0, 400), (1e300, 2.5), (10, 10.0 ** 3)):
    try:
        print('error?', (a ** b).hex())
    except (ZeroDivisionError, OverflowError) as e:
        print(type(e).__name__, e.args if isinstance(e, OverflowError) else '')


class Param:
    def __init__(self, data):
        self.data = data


p, xs = Param(1.2345), [0.5, 1.5, 2.5]
for _ in range(5):
    p.data **= 1.1
    xs[1] **= -0.7
    xs[-1] **= 2
print('**=', p.data.hex(), [x.hex() for x in xs])

random.seed(1)
print('gauss', ' '.join(random.gauss(0, 0.08).hex() for _ in range(500)))
print('normalvariate', ' '.join(random.normalvariate(1.0, 2.0).hex() for _ in range(50)))
print('expovariate', ' '.join(random.expovariate(1.5).hex() for _ in range(50)))
print('lognormvariate', ' '.join(random.lognormvariate(0.0, 0.5).hex() for _ in range(50)))
print('gammavariate', ' '.join(random.gammavariate(2.5, 1.0).hex() for _ in range(50)))
print('sample', random.sample(range(10 ** 6), 20))
print('choices', random.choices(range(27), weights=[math.exp(-i / 5) for i in range(27)], k=30))

with open('input.txt') as f:
    docs = [line.strip() for line in f if line.strip()]
print('input.txt', len(docs), docs[0], docs[-1])
