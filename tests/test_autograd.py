"""The autograd engine against finite differences, and its graph order against the reference's recursive sort."""

import random

import pytest

from microgpt.autograd import Value, dot, sum_of, topological_order

H = 1e-6

OPS = {  # each a function of two Values; the numbers of the graph are built by the ops under test
    'add': lambda a, b: a + b,
    'radd': lambda a, b: 2.5 + a,
    'mul': lambda a, b: a * b,
    'rmul': lambda a, b: 3.0 * a,
    'sub': lambda a, b: a - b,
    'rsub': lambda a, b: 1.5 - a,
    'neg': lambda a, b: -a,
    'div': lambda a, b: a / b,
    'rdiv': lambda a, b: 2.0 / a,
    'pow': lambda a, b: a ** 3,
    'pow_neg_half': lambda a, b: (a * a) ** -0.5,
    'log': lambda a, b: (a * a).log(),
    'exp': lambda a, b: a.exp(),
    'relu': lambda a, b: a.relu() * b,
    'mixed': lambda a, b: (a * b + a ** 2).exp() / (b + 3.0) - (a * a).log(),
    'dot': lambda a, b: dot([a, b * 2.0, a.exp()], [b, a + 1.0, b * b]),
    'dot_self': lambda a, b: dot([a, b], [a, b]),
    'sum_of': lambda a, b: sum_of([a, b * 2.0, a.exp(), a * b]),
}


@pytest.mark.parametrize('name', OPS)
@pytest.mark.parametrize('a, b', [(0.7, 1.3), (1.9, -0.4), (-0.8, 2.2)])
def test_gradients_match_central_differences(name, a, b):
    f = OPS[name]
    x, y = Value(a), Value(b)
    f(x, y).backward()
    def at(p, q):
        return f(Value(p), Value(q)).data
    assert x.grad == pytest.approx((at(a + H, b) - at(a - H, b)) / (2 * H), rel=1e-6, abs=1e-8)
    assert y.grad == pytest.approx((at(a, b + H) - at(a, b - H)) / (2 * H), rel=1e-6, abs=1e-8)


def test_forward_values_by_hand():
    x, y = Value(2.0), Value(-3.0)
    assert (x * y + x / 4 - y ** 2).data == -6.0 + 0.5 - 9.0
    assert (x.log().exp()).data == pytest.approx(2.0, rel=1e-15)
    assert (y.relu().data, x.relu().data) == (0, 2.0)


def test_shared_subexpression_accumulates_gradient():
    # d/dx of x*x + x*x*x at x=2 is 2x + 3x^2 = 16, by hand
    x = Value(2.0)
    y = x * x
    (y + y * x).backward()
    assert x.grad == 16.0


def recursive_topo(root):
    """The reference's build_topo, verbatim in logic."""
    topo, visited = [], set()
    def build_topo(v):
        if v not in visited:
            visited.add(v)
            for child in v._children:
                build_topo(child)
            topo.append(v)
    build_topo(root)
    return topo


def test_topological_order_is_the_reference_order():
    rng = random.Random(0)
    leaves = [Value(rng.uniform(0.5, 1.5)) for _ in range(10)]
    nodes = list(leaves)
    ops = [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a.relu(), lambda a, b: -a, lambda a, b: a ** 2]
    for _ in range(300):  # a random DAG with shared nodes, unary and binary ops
        a, b = rng.choice(nodes), rng.choice(nodes)
        nodes.append(rng.choice(ops)(a, b))
    root = sum(nodes[-50:])
    interior = [id(v) for v in recursive_topo(root) if v._children]
    assert [id(v) for v in topological_order(root)] == interior
    assert len(interior) > 200


def test_deep_graph_does_not_hit_the_recursion_limit():
    x = Value(1.0)
    y = x
    for _ in range(50_000):  # far deeper than sys.getrecursionlimit()
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad == 1.0


def chain_dot(a, b):
    """The reference's weighted sum, node by node."""
    return sum(ai * bi for ai, bi in zip(a, b))


def test_dot_is_the_reference_chain_bit_for_bit():
    rng = random.Random(1)
    def graph(dot):  # rows of a linear layer sharing their inputs, which share a parent, then a self-product
        x0 = Value(rng.uniform(-1, 1))
        xs = [x0 * Value(rng.uniform(-1, 1)) for _ in range(8)]
        w = [[Value(rng.uniform(-1, 1)) for _ in xs] for _ in range(5)]
        rows = [dot(row, xs) for row in w]
        loss = dot(rows, rows) * 0.5 + dot(rows, xs[:5]).exp()
        loss.backward()
        return [v.data for v in rows] + [loss.data, x0.grad] + [p.grad for row in w for p in row]
    state = rng.getstate()
    fused = graph(dot)
    rng.setstate(state)
    assert [f.hex() for f in fused] == [f.hex() for f in graph(chain_dot)]


def test_sum_of_is_the_reference_chain_bit_for_bit():
    # softmax as the model computes it (its denominator a sum, shared by every output) under a loss mixing its outputs
    rng = random.Random(2)
    def graph(total):
        logits = [Value(rng.uniform(-3, 3)) * Value(rng.uniform(-3, 3)) for _ in range(40)]
        exps = [(v - max(v.data for v in logits)).exp() for v in logits]
        denominator = total(exps)
        probs = [e / denominator for e in exps]
        loss = -(probs[3].log() + probs[17].log() * 0.5) + total(p * p for p in probs)
        loss.backward()
        return [denominator.data, loss.data] + [v.grad for v in logits]
    state = rng.getstate()
    fused = graph(sum_of)
    rng.setstate(state)
    assert [f.hex() for f in fused] == [f.hex() for f in graph(sum)]

