"""Inside the model: the inspector's numbers against hand-worked ones, finite differences and a recomputation from the
weights, and a golden run trained while inspected, to the same bits."""

import gc
import math
import random

import pytest

import microgpt.model
from conftest import assert_same_floats, golden
from microgpt import Config, Trainer, inspect, libm
from microgpt.autograd import Value, dot, sum_of
from microgpt.sampling import sample
from microgpt.trainer import document_loss


@pytest.fixture(scope='module')
def trained(names):
    """The default model after 30 steps (share it read-only: every test here leaves it as it was)."""
    trainer = Trainer(Config(), names)
    for _ in range(30):
        trainer.step()
    return trainer


def prefix_tokens(trainer, text):
    return inspect.encode_prefix(trainer.tokenizer, text, trainer.config.block_size)


def unchanged(trainer):
    """The weights as they are, and every gradient 0 (an int, as Adam leaves it): a test compares them after."""
    params = trainer.model.params
    assert all(type(p.grad) is int and p.grad == 0 for p in params)
    return [p.data for p in params]


def assert_unchanged(trainer, before):
    params = trainer.model.params
    assert all(type(p.grad) is int and p.grad == 0 for p in params)
    assert_same_floats([p.data for p in params], before)


# ---- the next token ----

class Recording(random.Random):
    """A generator that records the weights each `choices` call draws with."""
    def __init__(self, seed):
        super().__init__(seed)
        self.weights = []

    def choices(self, population, weights=None, **kwargs):
        self.weights.append(list(weights))
        return super().choices(population, weights=weights, **kwargs)


@pytest.mark.parametrize('temperature', [0.5, 1.0, 1.7])
def test_next_token_is_the_distribution_sampling_draws_from(trained, temperature):
    model, tokenizer = trained.model, trained.tokenizer
    rng = Recording(3)
    name = sample(model, tokenizer, rng, temperature)
    assert len(rng.weights) == min(len(name) + 1, model.config.block_size)
    for i, weights in enumerate(rng.weights):
        probs = inspect.next_token(inspect.read(model, prefix_tokens(trained, name[:i])).logits, temperature)
        assert [p.hex() for p in probs] == [w.hex() for w in weights]
        assert math.fsum(probs) == pytest.approx(1.0, abs=1e-12)


def test_draw_is_the_draw_sampling_makes(trained):
    probs = inspect.next_token(inspect.read(trained.model, prefix_tokens(trained, '')).logits, 1.0)
    for seed in range(5):
        rng, reference = random.Random(seed), random.Random(seed)
        token = inspect.draw(rng, probs)
        assert token == reference.choices(range(len(probs)), weights=probs)[0]  # the reference's call
        assert rng.getstate() == reference.getstate()
        name = sample(trained.model, trained.tokenizer, random.Random(seed), 1.0)
        assert inspect.labels(trained.tokenizer)[token] == (name[:1] or inspect.LABEL_BOS)


def test_next_token_by_hand():
    # two logits 1 and 0: softmax(1/T, 0) = (e^(1/T), 1) / (e^(1/T) + 1)
    logits = [Value(1.0), Value(0.0)]
    assert inspect.next_token(logits, 1.0) == pytest.approx([0.7310585786300049, 0.2689414213699951], rel=1e-15)
    assert inspect.next_token(logits, 0.5) == pytest.approx([0.8807970779778823, 0.11920292202211755], rel=1e-15)
    assert inspect.next_token(logits, 1) == inspect.next_token(logits, 1.0)  # an int from the page, as the config's


@pytest.mark.parametrize('temperature', [0.3, 1.0, 2.5])
def test_temperature_divides_the_logits(trained, temperature):
    reading = inspect.read(trained.model, prefix_tokens(trained, 'ma'))
    scaled = [l.data / temperature for l in reading.logits]
    exps = [math.exp(s - max(scaled)) for s in scaled]
    expected = [e / math.fsum(exps) for e in exps]
    assert inspect.next_token(reading.logits, temperature) == pytest.approx(expected, rel=1e-12)


def test_a_bad_temperature_is_refused():
    logits = [Value(2.0), Value(1.0)]
    for temperature in (0, 0.0, -1.0, math.nan, math.inf, True, '1', None):
        with pytest.raises(ValueError, match='the temperature must be a number greater than 0'):
            inspect.next_token(logits, temperature)
    # 1 / 1e-320 overflows; 2 / 1e-308 is inf, and inf - inf is nan: both say what to do
    for temperature in (1e-320, 1e-308):
        with pytest.raises(FloatingPointError, match='raise the temperature'):
            inspect.next_token(logits, temperature)


# ---- attention ----

def by_hand(model, tokens):
    """Layer 0's attention weights for a 1-layer model, recomputed in floats from the weights with the reference's
    operations as `Value` performs them: sums from 0 in order, a / b as a * b ** -1, powers and exp by libm."""
    c, sd = model.config, {name: [[p.data for p in row] for row in m] for name, m in model.state_dict.items()}

    def dot_(a, b):
        total = 0
        for x, y in zip(a, b):
            total += x * y
        return total

    def rmsnorm(x):
        scale = libm.pow(dot_(x, x) * libm.pow(len(x), -1) + 1e-5, -0.5)
        return [xi * scale for xi in x]

    keys, weights = [], []  # weights[query][head]
    for pos, token in enumerate(tokens):
        x = rmsnorm(rmsnorm([t + p for t, p in zip(sd['wte'][token], sd['wpe'][pos])]))
        q = [dot_(row, x) for row in sd['layer0.attn_wq']]
        keys.append([dot_(row, x) for row in sd['layer0.attn_wk']])
        weights.append([])
        for h in range(c.n_head):
            hs = slice(h * c.head_dim, (h + 1) * c.head_dim)
            scores = [dot_(q[hs], k[hs]) * libm.pow(libm.pow(c.head_dim, 0.5), -1) for k in keys]
            exps = [libm.exp(s + -max(scores)) for s in scores]
            total = 0
            for e in exps:
                total += e
            weights[-1].append([e * libm.pow(total, -1) for e in exps])
    return weights


def test_attention_is_the_forward_pass_recomputed_by_hand(trained):
    model = trained.model
    tokens = prefix_tokens(trained, 'emmanuel')
    attention = inspect.read(model, tokens).attention
    expected = by_hand(model, tokens)
    assert len(attention) == 1 and len(attention[0]) == model.config.n_head
    for h, rows in enumerate(attention[0]):
        assert [len(row) for row in rows] == list(range(1, len(tokens) + 1))
        for q, row in enumerate(rows):
            assert_same_floats(row, expected[q][h])
            assert math.fsum(row) == pytest.approx(1.0, abs=1e-12)
    assert attention[0][0][0] == [1.0]  # the first position attends to itself alone


def test_attention_of_a_deeper_model(names):
    trainer = Trainer(Config(n_layer=3, n_embd=12, n_head=3, block_size=8, steps=3), names)
    trainer.step()
    reading = inspect.read(trainer.model, prefix_tokens(trainer, 'olivia'))
    assert len(reading.attention) == 3 and all(len(heads) == 3 for heads in reading.attention)
    for heads in reading.attention:
        for rows in heads:
            assert [len(row) for row in rows] == [1, 2, 3, 4, 5, 6, 7]
            assert all(math.fsum(row) == pytest.approx(1.0, abs=1e-12) and min(row) > 0 for row in rows)
    assert len(reading.logits) == trainer.tokenizer.vocab_size


def test_read_refuses_what_the_model_cannot_read(trained):
    for tokens in ([], [trained.tokenizer.BOS] * 17, [27], [-1], [0.0], 'ab', None):
        with pytest.raises(ValueError, match='tokens must be a list of 1 to 16 token ids below 27'):
            inspect.read(trained.model, tokens)


# ---- the text a learner types ----

def test_labels(trained):
    assert inspect.labels(trained.tokenizer) == list('abcdefghijklmnopqrstuvwxyz') + ['BOS']


def test_encode_prefix(trained):
    tokenizer = trained.tokenizer
    assert inspect.encode_prefix(tokenizer, '', 16) == [26]
    assert inspect.encode_prefix(tokenizer, 'emma', 16) == [26, 4, 12, 12, 0]
    assert len(inspect.encode_prefix(tokenizer, 'a' * 15, 16)) == 16


@pytest.mark.parametrize('text, message', [
    ('Émile1', r"^'É' and '1' are not among the dataset's 26 characters: use only 'abcdefghijklmnopqrstuvwxyz'$"),
    ('x y', r"^' ' is not among the dataset's 26 characters"),
    ('a\x00b\nc\td', r"^'\\x00', '\\n' and '\\t' are not among"),
    ('ÀÉÎÕÜ!?', r"^'À', 'É', 'Î' and 4 more are not among"),
    (''.join(map(chr, range(0x4e00, 0x4e00 + 999))), r"^'一', '丁', '丂' and 996 more are not among"),
    ('a' * 16, r"^the text has 16 characters, but the model reads at most 16 tokens: the start token and 15 "
               r"characters$"),
    ('a' * 1001, r"^the text has more than 1,000 characters: type a shorter one$"),
    ('\x00' * 10 ** 7, r"^the text has more than 1,000 characters"),
    (b'emma', r"^the text must be a string, got bytes$"),
])
def test_text_the_model_cannot_read_is_refused_with_a_short_message(trained, text, message):
    with pytest.raises(ValueError, match=message) as e:
        inspect.encode_prefix(trained.tokenizer, text, 16)
    assert len(str(e.value)) < 160


def test_documents_are_checked_as_prefixes(trained):
    with pytest.raises(ValueError, match="'É' is not among"):
        inspect.graph(trained.model, trained.tokenizer, 'Émile', {'kind': 'loss', 'position': 0})
    with pytest.raises(ValueError, match="the text has more than 1,000 characters"):
        inspect.gradient_check(trained.model, trained.tokenizer, 'a' * 1001)
    # empty text is a document of one position, as a prefix of none: BOS then the end
    result = inspect.graph(trained.model, trained.tokenizer, '', {'kind': 'loss', 'position': 0})
    assert result['nodes'][0]['label'] == 'loss at position 0: BOS → BOS'
    with pytest.raises(ValueError, match='position must be an integer from 0 to 0'):
        inspect.graph(trained.model, trained.tokenizer, '', {'kind': 'loss', 'position': 1})
    assert all(p['relative'] < 1e-6 for p in inspect.gradient_check(trained.model, trained.tokenizer, '')['params'])


# ---- principal components ----

def test_pca2_of_points_on_a_line():
    # rows t * (1, 2, -2), the axis (1, 2, -2) / 3: its largest loadings 2 and -2, the first made positive
    rows = [[t, 2.0 * t, -2.0 * t] for t in (-1.0, 0.0, 0.5, 3.5)]  # mean t = 0.75
    points, explained = inspect.pca2(rows)
    assert [x for x, _ in points] == pytest.approx([3 * (t - 0.75) for t in (-1.0, 0.0, 0.5, 3.5)], rel=1e-14)
    assert [y for _, y in points] == [0.0] * 4
    assert explained == pytest.approx([1.0, 0.0], abs=1e-15)


def test_pca2_of_a_rotated_ellipse():
    # (±3, 0) and (0, ±1) rotated by cos 0.6, sin 0.8: variances 18 and 2 of 20 along (0.6, 0.8) and (-0.8, 0.6);
    # the second axis's largest loading is -0.8, so it turns to (0.8, -0.6)
    def rotate(x, y):
        return [0.6 * x - 0.8 * y, 0.8 * x + 0.6 * y]
    points, explained = inspect.pca2([rotate(3, 0), rotate(-3, 0), rotate(0, 1), rotate(0, -1)])
    assert points == [pytest.approx(p, abs=1e-14) for p in ([3, 0], [-3, 0], [0, -1], [0, 1])]
    assert explained == pytest.approx([0.9, 0.1], rel=1e-14)


def test_pca2_of_three_axes():
    rows = [[0, 3, 0], [0, -3, 0], [1, 0, 0], [-1, 0, 0], [0, 0, 0.5], [0, 0, -0.5]]
    points, explained = inspect.pca2(rows)
    assert points == [pytest.approx(p, abs=1e-14) for p in ([3, 0], [-3, 0], [0, 1], [0, -1], [0, 0], [0, 0])]
    assert explained == pytest.approx([18 / 20.5, 2 / 20.5], rel=1e-14)


def test_pca2_with_fewer_rows_than_columns():
    # 3 rows of 4 numbers, centred (2, -1/3, 0, 0), (-2, -1/3, 0, 0), (0, 2/3, 0, 0): the axes are the first two
    points, explained = inspect.pca2([[2, 0, 5, 1], [-2, 0, 5, 1], [0, 1, 5, 1]])
    assert points == [pytest.approx(p, abs=1e-14) for p in ([2, -1 / 3], [-2, -1 / 3], [0, 2 / 3])]
    assert explained == pytest.approx([8 / (8 + 2 / 3), (2 / 3) / (8 + 2 / 3)], rel=1e-14)


def test_pca2_of_equal_variances_finds_both():
    # a repeated eigenvalue: one Lanczos start vector sees one direction of it, the restart finds the other
    points, explained = inspect.pca2([[1, 0], [0, 1], [-1, 0], [0, -1]])
    assert explained == pytest.approx([0.5, 0.5], rel=1e-14)
    assert [x * x + y * y for x, y in points] == pytest.approx([1] * 4, rel=1e-14)
    points, explained = inspect.pca2([[2, 0, 0], [-2, 0, 0], [0, 2, 0], [0, -2, 0], [0, 0, 1], [0, 0, -1]])
    assert explained == pytest.approx([8 / 18, 8 / 18], rel=1e-14)
    assert [x * x + y * y for x, y in points] == pytest.approx([4, 4, 4, 4, 0, 0], abs=1e-14)


def test_pca2_of_degenerate_rows():
    assert inspect.pca2([]) == ([], [0.0, 0.0])
    assert inspect.pca2([[0.3, -1.2]]) == ([[0.0, 0.0]], [0.0, 0.0])
    assert inspect.pca2([[0.1, 0.7, 0.3]] * 5) == ([[0.0, 0.0]] * 5, [0.0, 0.0])
    points, explained = inspect.pca2([[0.1], [0.4], [0.1]])  # one column: it is the first component
    assert points == [[pytest.approx(-0.1, rel=1e-15), 0.0], [pytest.approx(0.2, rel=1e-15), 0.0],
                      [pytest.approx(-0.1, rel=1e-15), 0.0]]
    assert explained == [pytest.approx(1.0, rel=1e-15), 0.0]
    for bad in ([[1.0, 2.0], [3.0]], [[1.0, math.nan]], [[1.0, math.inf], [0.0, 0.0]], 'rows', [['a']]):
        with pytest.raises(ValueError, match='rows must'):
            inspect.pca2(bad)


def householder(v):
    """The orthogonal (and symmetric) matrix I - 2 v vᵀ / vᵀv."""
    vv = sum(x * x for x in v)
    return [[(i == j) - 2 * v[i] * v[j] / vv for j in range(len(v))] for i in range(len(v))]


@pytest.mark.parametrize('half, d, singular', [
    (60, 20, [10, 9.9, 5, 4.5, 4, 3, 2, 1]),   # more rows than columns: through XᵀX
    (6, 40, [10, 9.9, 5, 4.5, 4, 3]),          # fewer: through XXᵀ
    (50, 30, [10, 9.99, 9.9, 9.8, 9.7] + [9.5 - 0.1 * i for i in range(20)]),  # close eigenvalues, slow to converge
])
def test_pca2_recovers_a_known_decomposition(half, d, singular):
    """Rows Y = U diag(s) Vᵀ with U and V Householder matrices, stacked with -Y (so centred): the components are
    V's first two columns, their variances s0² and s1² of the sum of all s²."""
    rng = random.Random(half * d)
    u = householder([rng.random() - 0.5 for _ in range(half)])
    v = householder([rng.random() - 0.5 for _ in range(d)])
    y = [[sum(s * u[i][k] * v[j][k] for k, s in enumerate(singular)) for j in range(d)] for i in range(half)]
    rows = y + [[-x for x in row] for row in y]
    points, explained = inspect.pca2(rows)
    total = sum(s * s for s in singular)
    assert explained == pytest.approx([singular[0] ** 2 / total, singular[1] ** 2 / total], rel=1e-9)
    for k in range(2):
        axis = [v[j][k] for j in range(d)]
        sign = 1 if max(axis, key=abs) > 0 else -1
        expected = [sign * sum(a * b for a, b in zip(row, axis)) for row in rows]
        assert [p[k] for p in points] == pytest.approx(expected, abs=1e-7 * singular[0])


def test_pca2_sign_follows_the_largest_loading():
    rng = random.Random(4)
    rows = [[rng.gauss(0, 1) * (3 - j) for j in range(3)] for _ in range(50)]
    points, _ = inspect.pca2(rows)
    flipped, _ = inspect.pca2([[-x for x in row] for row in rows])  # the same axes: the same signs of loadings
    assert flipped == [[pytest.approx(-x, abs=1e-12), pytest.approx(-y, abs=1e-12)] for x, y in points]


# ---- embeddings ----

def test_embeddings(trained):
    model, tokenizer = trained.model, trained.tokenizer
    result = inspect.embeddings(model, tokenizer)
    assert result['tokens'] == inspect.labels(tokenizer)
    points, explained = result['points'], result['explained']
    assert len(points) == 27 and 0 < explained[1] <= explained[0] < 1
    # each component's share of the variance is the sum of the squared projections on it, over the total
    wte = [[p.data for p in row] for row in model.state_dict['wte']]
    means = [math.fsum(column) / 27 for column in zip(*wte)]
    total = math.fsum((x - m) ** 2 for row in wte for x, m in zip(row, means))
    for k in range(2):
        assert math.fsum(p[k] ** 2 for p in points) / total == pytest.approx(explained[k], rel=1e-12)
        assert math.fsum(p[k] for p in points) == pytest.approx(0, abs=1e-14)  # centred
    wpe = [[p.data for p in row] for row in model.state_dict['wpe']]
    def cosine(a, b):
        return math.fsum(x * y for x, y in zip(a, b)) / math.sqrt(math.fsum(x * x for x in a) *
                                                                  math.fsum(y * y for y in b))
    positions = result['positions']
    assert len(positions) == 16 and all(len(row) == 16 for row in positions)
    for i in range(16):
        assert positions[i][i] == pytest.approx(1.0, rel=1e-15)
        for j in range(16):
            assert positions[i][j] == pytest.approx(cosine(wpe[i], wpe[j]), rel=1e-13, abs=1e-15)
            assert positions[i][j] == positions[j][i]


def test_a_zero_position_embedding_has_similarity_zero(names):
    trainer = Trainer(Config(steps=1), names)
    for p in trainer.model.state_dict['wpe'][3]:
        p.data = 0.0
    positions = inspect.embeddings(trainer.model, trainer.tokenizer)['positions']
    assert positions[3] == [0.0] * 16 and all(row[3] == 0.0 for row in positions)


# ---- the computation graph ----

def test_operations_are_recognised_from_their_structure():
    a, b, c, d = Value(0.7), Value(-1.3), Value(2.2), Value(0.4)
    cases = {'+': a + b, '×': a * b, 'sum': sum_of([a, b, c]), 'dot': dot([a, b], [c, d]), 'exp': b.exp(),
             'log': c.log(), 'relu': c.relu(), '^-1': a ** -1, '^-0.5': c ** -0.5}
    for op, node in cases.items():
        assert inspect.operation(node) == op
    assert inspect.operation(b.relu()) == 'relu'        # 0 with a local gradient of 0.0
    assert inspect.operation(sum_of([a])) == 'sum'      # a softmax over one key
    assert inspect.operation(a - 0.5) == '+'            # a - x is a + (-x)
    assert inspect.operation(a / c) == '×'              # a / c is a * c ** -1
    assert inspect.operation(sum_of([a, b])) == '+'     # the same operation: it is a + b
    assert inspect.operation(dot([a], [b])) == '×'
    assert inspect.operation(Value(1.0).exp()) == 'exp'
    assert inspect.operation(Value(1.0).log()) == 'log'
    assert inspect.operation(Value(1.0).relu()) == 'relu'
    assert inspect.operation(a ** 2) == '?'             # not an operation the model uses
    assert (inspect.operation(a), inspect.operation(a, is_param=True)) == ('const', 'param')


def softmax_by_hand(logits):
    exps = [math.exp(l - max(logits)) for l in logits]
    return [e / math.fsum(exps) for e in exps]


def check_shape(result, max_nodes):
    nodes, edges = result['nodes'], result['edges']
    assert [node['id'] for node in nodes] == list(range(len(nodes))) and result['root'] == 0
    assert len(nodes) <= max_nodes
    assert {child for child, _ in edges} == set(range(1, len(nodes)))  # every node but the root hangs below another
    expanded = {parent for _, parent in edges}
    assert all(node['id'] in expanded or node['hidden'] > 0 for node in nodes if node['op'] not in ('const', 'param'))
    assert result['truncated'] == (len(nodes) == max_nodes and any(node['hidden'] for node in nodes
                                                                     if node['id'] in expanded))


def test_the_loss_piece(trained):
    model, tokenizer = trained.model, trained.tokenizer
    before = unchanged(trained)
    result = inspect.graph(model, tokenizer, 'emma', {'kind': 'loss', 'position': 2})
    assert_unchanged(trained, before)
    check_shape(result, inspect.MAX_NODES)
    nodes = result['nodes']
    root = nodes[0]
    assert (root['op'], root['label']) == ('×', "loss at position 2: 'm' → 'm'")
    assert root['grad'] == pytest.approx(1 / 5, rel=1e-15)  # 'emma' has 5 positions: d mean / d loss_2 = 1/5
    ops = [node['op'] for node in nodes]
    assert ops.count('exp') == ops.count('dot') == 27 and ops.count('log') == ops.count('^-1') == 1
    assert not result['truncated']

    # each logit's gradient, by hand: (softmax - one-hot of the target) / 5
    logits = {node['label']: node for node in nodes if node['op'] == 'dot'}
    assert len(logits) == 27 and all(node['op'] == 'dot' and node['hidden'] == 32 for node in logits.values())
    labels = [repr(ch) for ch in tokenizer.chars] + ['BOS']
    probs = softmax_by_hand([logits[f'logit {label}']['data'] for label in labels])
    for i, label in enumerate(labels):
        assert logits[f'logit {label}']['grad'] == pytest.approx((probs[i] - (label == "'m'")) / 5, rel=1e-12,
                                                                 abs=1e-17)

    # the loss equals the loss the next step reports for this document
    trainer = Trainer(Config(steps=1), trained.docs)
    doc = trainer.docs[0]
    loss = inspect.graph(trainer.model, trainer.tokenizer, doc, {'kind': 'loss', 'position': 0})['loss']
    assert_same_floats([loss], [trainer.step()])


def numeric(loss, delta=1e-5):
    return (loss(delta) - loss(-delta)) / (2 * delta)


def test_the_attention_piece_against_finite_differences(trained, monkeypatch):
    model, tokenizer = trained.model, trained.tokenizer
    c, head, query, key = model.config, 1, 3, 1
    before = unchanged(trained)
    result = inspect.graph(model, tokenizer, 'emma', {'kind': 'attention', 'layer': 0, 'head': head, 'query': query,
                                                      'key': key})
    assert_unchanged(trained, before)
    check_shape(result, inspect.MAX_NODES)
    nodes = {node['label']: node for node in result['nodes']}
    root = result['nodes'][0]
    assert (root['op'], root['label']) == ('×', 'attention weight 3 → 1')
    assert nodes['Σ exp']['op'] == 'sum' and nodes['1 / Σ exp']['op'] == '^-1' and nodes['q · k0']['op'] == 'dot'
    assert nodes['score 2']['op'] == '×' and nodes['1/√4']['data'] == 0.5
    entries = [label for label in nodes if label.startswith(('q[', 'k'))]
    assert sorted(entries) == sorted([f'q[{j}]' for j in range(4)] + [f'k{t}[{j}]' for t in range(4) for j in range(4)])
    assert all(nodes[label]['op'] == 'dot' and nodes[label]['hidden'] == 32 for label in entries)
    tokens = tokenizer.encode('emma')

    # the weight itself: perturb it in the forward pass (the attention softmax calls come position by position,
    # each layer's heads in order)
    def loss_with(name, replacement):
        """The document's loss with the model's function `name` replaced for one forward pass."""
        original = getattr(microgpt.model, name)
        monkeypatch.setattr(microgpt.model, name, replacement)
        try:
            return document_loss(model, tokens).data
        finally:
            monkeypatch.setattr(microgpt.model, name, original)

    softmax = microgpt.model.softmax
    def weight_moved(delta):
        calls = iter(range(10 ** 6))
        def moved(logits):
            out = softmax(logits)
            if next(calls) == query * c.n_head + head:
                out[key] = out[key] + delta
            return out
        return loss_with('softmax', moved)
    assert root['grad'] == pytest.approx(numeric(weight_moved), rel=1e-6)

    # an entry of the query vector: perturb the output of attn_wq at that position
    linear, wq = microgpt.model.linear, model.state_dict['layer0.attn_wq']
    for j in (0, 2):
        def query_moved(delta, j=j):
            calls = iter(range(10 ** 6))
            def moved(x, w):
                out = linear(x, w)
                if w is wq and next(calls) == query:
                    i = head * c.head_dim + j
                    out[i] = out[i] + delta
                return out
            return loss_with('linear', moved)
        assert nodes[f'q[{j}]']['grad'] == pytest.approx(numeric(query_moved), rel=1e-6)
    assert_unchanged(trained, before)


def test_a_graph_piece_is_cut_at_max_nodes(trained):
    result = inspect.graph(trained.model, trained.tokenizer, 'emma', {'kind': 'loss', 'position': 1}, max_nodes=12)
    check_shape(result, 12)
    assert result['truncated'] and len(result['nodes']) >= 6
    assert sum(node['hidden'] for node in result['nodes']) > 0
    # a vocabulary of 300 characters: the softmax alone has more than 200 nodes; its sum shows the first ones
    docs = [''.join(chr(0x100 + (7 * i + j) % 300) for j in range(6)) for i in range(300)]
    trainer = Trainer(Config(n_embd=4, n_head=1, steps=1), docs)
    result = inspect.graph(trainer.model, trainer.tokenizer, docs[0], {'kind': 'loss', 'position': 3})
    check_shape(result, 200)
    total = next(node for node in result['nodes'] if node['label'] == 'Σ exp')
    assert result['truncated'] and len(result['nodes']) == 200
    assert total['hidden'] == 301 - sum(parent == total['id'] for _, parent in result['edges'])


def test_a_bad_piece_is_refused(trained):
    model, tokenizer = trained.model, trained.tokenizer
    for piece, message in [({'kind': 'loss', 'position': 5}, r"position must be an integer from 0 to 4, got 5"),
                           ({'kind': 'loss'}, r"position must be an integer from 0 to 4, got None"),
                           ({'kind': 'attention', 'layer': 1, 'head': 0, 'query': 0, 'key': 0}, r"layer .* 0 to 0"),
                           ({'kind': 'attention', 'layer': 0, 'head': 0, 'query': 2, 'key': 3}, r"key .* 0 to 2"),
                           ({'kind': 'softmax'}, r"piece must be"), ('loss', r"piece must be")]:
        with pytest.raises(ValueError, match=message):
            inspect.graph(model, tokenizer, 'emma', piece)


# ---- gradient check ----

@pytest.mark.parametrize('steps', [0, 40])
def test_gradient_check_agrees_with_finite_differences(names, steps):
    trainer = Trainer(Config(steps=steps + 1), names)
    for _ in range(steps):
        trainer.step()
    before = unchanged(trainer)
    next_doc = trainer.docs[steps]
    for text in (next_doc, 'xavier', 'christopherjohn'):
        result = inspect.gradient_check(trainer.model, trainer.tokenizer, text)
        assert [p['name'].split('[')[0] for p in result['params']] == \
            ['wte', 'wpe', 'lm_head', 'layer0.attn_wq', 'layer0.attn_wv', 'layer0.mlp_fc1']
        for p in result['params']:
            assert p['relative'] < 1e-6, p
            assert p['numeric'] == pytest.approx(p['autograd'], rel=1e-6)
        assert result['h'] == inspect.GRADIENT_CHECK_H
    result = inspect.gradient_check(trainer.model, trainer.tokenizer, 'emma', count=9)
    assert [p['name'].split('[')[0] for p in result['params']][6:] == \
        ['layer0.attn_wk', 'layer0.attn_wo', 'layer0.mlp_fc2']
    assert all(p['relative'] < 1e-6 for p in result['params'])
    assert result['params'][0]['name'].startswith("wte['")
    assert_unchanged(trainer, before)
    loss = inspect.gradient_check(trainer.model, trainer.tokenizer, next_doc, count=1)['loss']
    assert_same_floats([loss], [trainer.step()])  # the loss of the step on that document


# ---- looking changes nothing ----

def test_inspecting_a_golden_run_changes_nothing(names):
    g = golden('variant-small')
    trainer = Trainer(Config(**g['config']), names)
    model, tokenizer, other = trainer.model, trainer.tokenizer, random.Random(0)
    losses = []

    def inspect_everything():
        reading = inspect.read(model, inspect.encode_prefix(tokenizer, 'em', model.config.block_size))
        inspect.draw(other, inspect.next_token(reading.logits, 0.8))
        inspect.embeddings(model, tokenizer)
        inspect.graph(model, tokenizer, 'emma', {'kind': 'loss', 'position': 4})
        inspect.graph(model, tokenizer, 'emmanuela', {'kind': 'attention', 'layer': 1, 'head': 1, 'query': 7,
                                                       'key': 2})
        inspect.gradient_check(model, tokenizer, 'olivia', count=12)

    while not trainer.done:
        if trainer.steps_done % 10 == 0:
            inspect_everything()
        losses.append(trainer.step())
    inspect_everything()
    assert_same_floats(losses, g['trace'])
    assert trainer.final_samples() == g['samples']
    assert trainer.preview_rng.getstate() == random.Random(f"{g['config']['seed']}/preview").getstate()


def test_inspection_leaves_no_garbage_and_restores_the_collector(trained):
    model, tokenizer = trained.model, trained.tokenizer
    gc.collect()
    inspect.next_token(inspect.read(model, prefix_tokens(trained, 'em')).logits, 0.5)
    inspect.embeddings(model, tokenizer)
    inspect.graph(model, tokenizer, 'emma', {'kind': 'attention', 'layer': 0, 'head': 2, 'query': 4, 'key': 0})
    inspect.gradient_check(model, tokenizer, 'emma', count=2)
    assert gc.isenabled()
    assert gc.collect() == 0  # every graph was freed by reference counting, as a step's is


def test_diverged_weights_are_named_as_such(names):
    """Weights a too high learning rate blew up fail the views with the trainer's advice, never a bare math error
    (which the page would take for a bug): a learning rate of 1e4 diverges at step 2, its weights stay as after
    step 1."""
    trainer = Trainer(Config(steps=50, learning_rate=1e4), names)
    trainer.step()
    with pytest.raises(FloatingPointError, match='at step 2'):
        trainer.step()
    for look in (lambda: inspect.graph(trainer.model, trainer.tokenizer, 'em', {'kind': 'loss', 'position': 0}),
                 lambda: inspect.gradient_check(trainer.model, trainer.tokenizer, 'em')):
        with pytest.raises(FloatingPointError,
                           match=r'^the weights have diverged \(.*\): train with a lower learning rate$'):
            look()
    huge = Trainer(Config(steps=1), names)  # weights grown past any finite difference or square
    for p in huge.model.params:
        p.data *= 1e200
    for look in (lambda: inspect.gradient_check(huge.model, huge.tokenizer, 'em'),
                 lambda: inspect.embeddings(huge.model, huge.tokenizer)):
        with pytest.raises(FloatingPointError, match='train with a lower learning rate$'):
            look()
