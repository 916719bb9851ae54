"""Inside the model: read-only views of a model's numbers, as plain data (floats, ints, strs, lists, dicts).

The reference only trains and samples; this module shows what happens in between, for a page that lets a learner
look inside:
- `read` runs the forward pass over a prefix and keeps each head's attention weights; `next_token` turns its logits
  into the very probabilities sampling draws from (`sampling.probabilities`), and `draw` draws as sampling does;
- `embeddings` projects the token embeddings on their first two principal components (`pca2`) and compares the
  position embeddings with one another;
- `graph` builds a step's computation graph for a document and returns a piece of it, each node with its operation,
  value and gradient; `gradient_check` compares autograd's gradients with finite differences.

Looking changes nothing: the forward passes are the trainer's own (`trainer.document_loss`, `GPT.__call__`), no
random generator is touched (but the one the caller hands `draw`), and where a gradient or a perturbed weight is
needed, every parameter's `.grad` and the perturbed `.data` are saved first and assigned back afterwards, so the
next training step is the one it would have been (`tests/test_inspect.py` trains a golden run while inspecting it).
`Value` has no record of its operation (one more field on millions of nodes would cost training memory and time),
so `operation` recognises each node's from its structure: its children and local gradients, recomputed exactly.
"""

import math
import random
import sys
from collections import deque, namedtuple
from contextlib import contextmanager
from operator import mul

from . import libm
from .config import brief
from .sampling import draw as _draw, probabilities
from .trainer import document_loss, gc_paused

LABEL_BOS = 'BOS'  # the start and end token's label, where the others show their character
MAX_TEXT = 1000    # characters: longer text is refused before it is looked at
MAX_NODES = 200    # nodes of a graph piece: enough for a softmax over the names' 27 tokens, few enough to draw
GRADIENT_CHECK_H = 1e-5  # the finite differences' step: see gradient_check


# ---- the text a learner types ----

def labels(tokenizer):
    """Each token id's label: its character, and LABEL_BOS for BOS."""
    return list(tokenizer.chars) + [LABEL_BOS]


def _quoted_labels(tokenizer):
    """Each token id's label in a node or parameter name: its character quoted as Python does (a tab reads '\\t'),
    and LABEL_BOS."""
    return [repr(ch) for ch in tokenizer.chars] + [LABEL_BOS]


def encode_prefix(tokenizer, text, block_size):
    """The tokens the model reads to continue `text`: BOS, then the text's characters."""
    _check_text(tokenizer, text)
    if len(text) > block_size - 1:
        raise ValueError(f"the text has {len(text)} characters, but the model reads at most {block_size} tokens: "
                         f"the start token and {block_size - 1} characters")
    return [tokenizer.BOS] + [tokenizer.ids[ch] for ch in text]


def _document(tokenizer, text):
    """`text` as a training document: BOS, its characters, BOS (`document_loss` cuts it to the block, as training).
    Empty text is a document too, of one position: the end right after the start."""
    _check_text(tokenizer, text)
    return tokenizer.encode(text)


def _check_text(tokenizer, text):
    if not isinstance(text, str):
        raise ValueError(f"the text must be a string, got {type(text).__name__}")
    if len(text) > MAX_TEXT:
        raise ValueError(f"the text has more than {MAX_TEXT:,} characters: type a shorter one")
    unknown = list(dict.fromkeys(ch for ch in text if ch not in tokenizer.ids))
    if unknown:
        shown = [repr(ch) for ch in unknown[:3]]  # repr: a tab or a control character shows as an escape
        if len(unknown) > 3:
            shown = ', '.join(shown) + f" and {len(unknown) - 3:,} more are"
        else:
            shown = (' and '.join(shown) if len(shown) < 3 else f"{shown[0]}, {shown[1]} and {shown[2]}") + \
                (' is' if len(shown) == 1 else ' are')
        raise ValueError(f"{shown} not among the dataset's {len(tokenizer.chars):,} characters: "
                         f"use only {brief(''.join(tokenizer.chars), 60)}")


# ---- the forward pass and the next token ----

Reading = namedtuple('Reading', ['logits', 'attention'])
Reading.__doc__ = """The forward pass over a prefix. `logits`: the `Value`s at its last position (for `next_token`).
`attention[layer][head][query]`: the weights of that head at query position `query` over key positions 0..query,
as floats."""


def read(model, tokens):
    """The forward pass over `tokens` (from `encode_prefix`) with a fresh cache, as sampling runs it."""
    c = model.config
    vocab_size = len(model.state_dict['wte'])
    if not isinstance(tokens, list) or not 1 <= len(tokens) <= c.block_size or \
            not all(type(t) is int and 0 <= t < vocab_size for t in tokens):
        raise ValueError(f"tokens must be a list of 1 to {c.block_size} token ids below {vocab_size}")
    with gc_paused(), _weights_sane():
        keys, values = model.empty_cache()
        heads = []  # per position, the model's list of each head's weights: layer 0 head 0, layer 0 head 1, ...
        for pos_id, token_id in enumerate(tokens):
            heads.append([])
            logits = model(token_id, pos_id, keys, values, heads[-1])
        attention = [[[[w.data for w in at_pos[li * c.n_head + h]] for at_pos in heads]
                      for h in range(c.n_head)] for li in range(c.n_layer)]
    return Reading(logits, attention)


_RAISE = "raise the temperature, or if the weights have diverged, train with a lower learning rate"


def next_token(logits, temperature):
    """The probability of each token id coming next at this temperature: the very floats sampling draws from."""
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or \
            not math.isfinite(temperature) or temperature <= 0:
        raise ValueError(f"the temperature must be a number greater than 0, got {brief(temperature)}")
    temperature = float(temperature)  # as the config holds it: 1 from the page is 1.0, the same operations follow
    try:
        with gc_paused():
            probs = [p.data for p in probabilities(logits, temperature)]
    except (ValueError, OverflowError, ZeroDivisionError) as e:
        raise FloatingPointError(f"the probabilities at temperature {temperature!r} overflow ({e}): {_RAISE}") from e
    if not all(math.isfinite(p) for p in probs):  # logits / temperature overflowed to inf, inf - inf is nan
        raise FloatingPointError(f"the probabilities at temperature {temperature!r} overflow: {_RAISE}")
    return probs


def draw(rng, probs):
    """The token id sampling would draw from `probs` (`next_token`'s) with `rng`: the same call, so the same token
    and the same change of the generator's state. Give it a generator of its own, such as `trainer.preview_rng`."""
    return _draw(rng, probs)


# ---- embeddings ----

def embeddings(model, tokenizer):
    """The token embeddings (rows of wte) on their first two principal components, and the cosine similarity of
    every two position embeddings (rows of wpe): `{'tokens', 'points', 'explained', 'positions'}`."""
    sd = model.state_dict
    with _weights_sane():
        points, explained = pca2([[p.data for p in row] for row in sd['wte']])
    rows = [[p.data for p in row] for row in sd['wpe']]
    norms = [math.sqrt(_dot(row, row)) for row in rows]
    positions = [[_dot(a, b) / (na * nb) if na and nb else 0.0 for b, nb in zip(rows, norms)]
                 for a, na in zip(rows, norms)]
    return {'tokens': labels(tokenizer), 'points': points, 'explained': explained, 'positions': positions}


def pca2(rows):
    """`rows` (equal-length lists of floats) centred and projected on their first two principal components.

    Returns `(points, explained)`: a point `[x, y]` per row, and the fraction of the total variance along each
    component. A component without variance gives 0s: both for a single row or equal rows, the second for points
    on a line or a single column.

    The components are the top two eigenvectors of XᵀX (X the centred rows), found through the smaller of XᵀX and
    XXᵀ (the same nonzero eigenvalues; u of XXᵀ gives Xᵀu of XᵀX). Lanczos iteration finds them, in pure Python
    and deterministically: from a fixed start vector, each step multiplies the last basis vector by the matrix and
    orthogonalises the result against the whole basis (twice, which keeps it orthogonal in floating point); the
    top eigenpairs of the small tridiagonal matrix this builds (bisection, then inverse iteration) approximate the
    matrix's, and the iteration stops when their residual is below 1e-10 of the largest eigenvalue, at the latest
    when the basis spans the whole space (then they are exact). Power iteration needs hundreds of steps when the
    top eigenvalues are close, as for random initial weights; Lanczos a few dozen at most. Every operation is
    IEEE arithmetic, `math.sqrt` or a dot product: `math.sumprod` (Python >= 3.12), `math.fsum` of the products
    before (which may differ in the last bit), so Pyodide and native Python >= 3.12 give the same bits. Each component's
    sign makes its largest loading (lowest index on ties) positive, so slowly changing rows give slowly changing
    points.
    """
    if not isinstance(rows, (list, tuple)) or not all(isinstance(row, (list, tuple)) for row in rows):
        raise ValueError("rows must be a list of lists of numbers")
    n, d = len(rows), len(rows[0]) if rows else 0
    if any(len(row) != d for row in rows):
        raise ValueError("rows must all have the same length")
    if not all(type(x) in (int, float) and math.isfinite(x) for row in rows for x in row):
        raise ValueError("rows must hold finite numbers")
    # a constant column's mean is its value, exactly: the mean's rounding would make variance out of nothing
    means = [column[0] if min(column) == max(column) else math.fsum(column) / n for column in zip(*rows)]
    x = [[v - mean for v, mean in zip(row, means)] for row in rows]
    try:
        total = math.fsum(v * v for row in x for v in row)  # n times the total variance: the trace of XᵀX
    except OverflowError:
        total = math.inf
    if not math.isfinite(total):
        raise ValueError("rows hold numbers too large to square")
    if total == 0:  # no rows, a single row, equal rows
        return [[0.0, 0.0] for _ in rows], [0.0, 0.0]
    columns = [list(column) for column in zip(*x)]
    # divided by the trace: eigenvalues from 0 to 1, each the fraction of the variance along its eigenvector
    if d <= n:  # XᵀX, d x d: its eigenvectors are the components
        axes = _top_eigenpairs([[v / total for v in row] for row in _gram(columns)])
    else:  # XXᵀ, n x n: an eigenvector u gives the component Xᵀu (normalised below)
        axes = [(value, [_dot(column, u) for column in columns])
                for value, u in _top_eigenpairs([[v / total for v in row] for row in _gram(x)])]
    components, explained = [], []
    for value, axis in axes + [(0.0, None)] * (2 - len(axes)):
        if value <= 1e-12:  # rounding noise of a zero eigenvalue, not a direction
            components.append([0.0] * d)
            explained.append(0.0)
            continue
        norm = math.sqrt(_dot(axis, axis))
        largest = max(range(d), key=lambda j: abs(axis[j]))  # the first of equal magnitudes
        sign = 1.0 if axis[largest] > 0 else -1.0
        components.append([sign * v / norm for v in axis])
        explained.append(min(value, 1.0))
    points = [[_dot(row, components[0]), _dot(row, components[1])] for row in x]
    return points, explained


# ---- the linear algebra of pca2 ----

if hasattr(math, 'sumprod'):  # Python >= 3.12, as in Pyodide: four times faster than fsum
    _dot = math.sumprod
else:
    def _dot(a, b):
        return math.fsum(map(mul, a, b))


def _gram(vectors):
    """The matrix of every two vectors' dot products (symmetric: each computed once)."""
    m = len(vectors)
    g = [[0.0] * m for _ in range(m)]
    for i in range(m):
        for j in range(i, m):
            g[i][j] = g[j][i] = _dot(vectors[i], vectors[j])
    return g


def _top_eigenpairs(a, count=2, tol=1e-10):
    """Up to `count` (eigenvalue, unit eigenvector) pairs of the symmetric positive semi-definite matrix `a` of
    trace 1 (so eigenvalues from 0 to 1), largest first, by Lanczos iteration (see `pca2`).

    When the basis stops growing before it spans the space (`a` maps it into itself, as when an eigenvalue is
    repeated: one start vector sees one direction of each eigenspace), the iteration goes on from a new vector
    orthogonal to the basis, a zero joining the tridiagonal matrix's off-diagonal.
    """
    m = len(a)
    start = random.Random(0)  # fixed start vectors, from a generator of its own
    basis, alpha, beta = [_orthonormal([start.random() - 0.5 for _ in range(m)], [])], [], []
    while True:
        w = [_dot(row, basis[-1]) for row in a]  # a is symmetric: its rows are its columns
        alpha.append(_dot(basis[-1], w))
        w = _orthogonal(w, basis)
        norm = math.sqrt(_dot(w, w))
        values, vectors = [], []
        for i in range(min(count, len(alpha))):
            values.append(_tridiagonal_eigenvalue(alpha, beta, len(alpha) - 1 - i))
            vectors.append(_tridiagonal_eigenvector(alpha, beta, values[-1], vectors))
        if len(alpha) == m:
            break
        if norm <= 1e-12:  # an invariant subspace: go on in the rest of the space
            beta.append(0.0)
            basis.append(_orthonormal([start.random() - 0.5 for _ in range(m)], basis))
            continue
        if max(norm * abs(s[-1]) for s in vectors) <= tol * values[0]:  # each |a y - θ y|, y = basis · s
            break
        beta.append(norm)
        basis.append([v / norm for v in w])
    return [(value, [math.fsum(s[j] * basis[j][r] for j in range(len(s))) for r in range(m)])
            for value, s in zip(values, vectors)]


def _orthogonal(v, basis):
    """v minus its projections on the orthonormal `basis`, twice: once is not enough in floating point."""
    for _ in range(2):
        for b in basis:
            c = _dot(b, v)
            v = [vi - c * bi for vi, bi in zip(v, b)]
    return v


def _orthonormal(v, basis):
    v = _orthogonal(v, basis)
    norm = math.sqrt(_dot(v, v))
    return [x / norm for x in v]


def _tridiagonal_eigenvalue(alpha, beta, index):
    """The eigenvalue number `index` (ascending, from 0) of the symmetric tridiagonal matrix with diagonal `alpha`
    and off-diagonal `beta`, by bisection on Sturm sequence counts."""
    def below(x):  # how many eigenvalues are below x: the negative pivots of the LDLᵀ factorisation of T - xI
        count, pivot = 0, 1.0
        for i, a in enumerate(alpha):
            pivot = a - x - (beta[i - 1] ** 2 / pivot if i else 0.0)
            if pivot == 0:
                pivot = -1e-300
            count += pivot < 0
        return count
    radius = [(abs(beta[i - 1]) if i else 0.0) + (abs(beta[i]) if i < len(beta) else 0.0) for i in range(len(alpha))]
    lo = min(a - r for a, r in zip(alpha, radius))  # Gershgorin's bounds
    hi = max(a + r for a, r in zip(alpha, radius))
    while hi - lo > 1e-16 * max(abs(lo), abs(hi), 1e-16):
        mid = (lo + hi) / 2
        if not lo < mid < hi:
            break
        if below(mid) > index:
            hi = mid
        else:
            lo = mid
    return (lo + hi) / 2


def _tridiagonal_eigenvector(alpha, beta, value, others):
    """A unit eigenvector of the tridiagonal matrix for the eigenvalue `value`, orthogonal to `others`: inverse
    iteration, each solve of (T - value I) s = b by Gaussian elimination with partial pivoting (LAPACK's dgtsv)."""
    k, tiny = len(alpha), 1e-16  # a zero pivot (value is exact) becomes tiny: the solution grows large, as wanted
    start = random.Random(len(others) + 1)  # a fixed start, another for each eigenvector
    s = _orthonormal([start.random() - 0.5 for _ in range(k)], others)
    for _ in range(3):
        d, du, dl, du2, b = [a - value for a in alpha], list(beta), list(beta), [0.0] * k, list(s)
        for i in range(k - 1):
            if abs(d[i]) >= abs(dl[i]):
                if d[i] == 0:
                    d[i] = tiny
                factor = dl[i] / d[i]
                d[i + 1] -= factor * du[i]
                b[i + 1] -= factor * b[i]
            else:  # swap rows i and i + 1
                factor = d[i] / dl[i]
                d[i], d[i + 1], du[i] = dl[i], du[i] - factor * d[i + 1], d[i + 1]
                if i + 1 < k - 1:
                    du2[i], du[i + 1] = du[i + 1], -factor * du[i + 1]
                b[i], b[i + 1] = b[i + 1], b[i] - factor * b[i + 1]
        if d[k - 1] == 0:
            d[k - 1] = tiny
        x = [0.0] * k
        for i in reversed(range(k)):
            x[i] = (b[i] - (du[i] * x[i + 1] if i + 1 < k else 0.0) - (du2[i] * x[i + 2] if i + 2 < k else 0.0)) / d[i]
        x = _orthogonal(x, others)
        norm = math.sqrt(_dot(x, x))
        if not norm:
            break
        s = [v / norm for v in x]
    return s


# ---- a step's computation graph, and its gradients ----

def graph(model, tokenizer, text, piece, max_nodes=MAX_NODES):
    """A piece of the graph a training step on the document `text` builds, after its backward pass.

    `piece` picks the root: `{'kind': 'loss', 'position': t}`, the loss at position t (predicting token t + 1 from
    tokens 0..t), traced back through the softmax to the logits; or `{'kind': 'attention', 'layer': l, 'head': h,
    'query': q, 'key': k}`, the weight query position q gives key position k, traced back to the entries of the
    query and key vectors. Those logits and entries are the piece's boundary: weighted sums of the layer's input,
    shown but not expanded. Nodes are taken breadth-first from the root, at most `max_nodes` (`truncated` if some
    are left out); each node says how many of its children are not shown (`hidden`).

    Returns `{'nodes': [{'id', 'op', 'label', 'data', 'grad', 'hidden'}], 'edges': [[child id, parent id]], 'root',
    'loss', 'truncated'}`: `op` from `operation`, `label` a name where the piece knows one, `grad` the derivative of
    the step's loss (the document's mean loss, also returned) with respect to the node.
    """
    c = model.config
    tokens = _document(tokenizer, text)
    n = min(c.block_size, len(tokens) - 1)  # as document_loss cuts it
    kind = piece.get('kind') if isinstance(piece, dict) else None
    if kind == 'loss':
        t = _index(piece, 'position', n)
    elif kind == 'attention':
        layer, head = _index(piece, 'layer', c.n_layer), _index(piece, 'head', c.n_head)
        query = _index(piece, 'query', n)
        key = _index(piece, 'key', query + 1)  # causal: a query sees the keys up to its own position
    else:
        raise ValueError("piece must be {'kind': 'loss', ...} or {'kind': 'attention', ...}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive integer, got {brief(max_nodes)}")

    names = _quoted_labels(tokenizer)
    with gc_paused(), _grads_kept(model):
        trace = []
        with _weights_sane():
            loss = document_loss(model, tokens, trace)
            loss.backward()
        if kind == 'loss':
            root, known, boundary = _loss_piece(trace[t], t, tokens, names)
        else:
            weights = trace[query]['attention'][layer * c.n_head + head]
            root, known, boundary = _attention_piece(weights, query, key)
        result = _subgraph(root, known, boundary, max_nodes, lambda leaves: _param_names(model, names, leaves))
        result['loss'] = loss.data
        return result


def _index(piece, name, stop):
    value = piece.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < stop:
        raise ValueError(f"the piece's {name} must be an integer from 0 to {stop - 1}, got {brief(value)}")
    return value


def _loss_piece(at, t, tokens, names):
    """The loss at position t (`at`: its trace entry), the labels of its nodes down to the logits, and the logits."""
    loss_t, logits, probs = at['loss'], at['logits'], at['probs']
    known = {loss_t: f"loss at position {t}: {names[tokens[t]]} → {names[tokens[t + 1]]}",
             loss_t._children[0]: f"log p({names[tokens[t + 1]]})"}
    for i, p in enumerate(probs):  # p = exp(logit + -max) * total ** -1, as model.softmax computes it
        e, inverse = p._children
        (shifted,) = e._children
        _, minus_max = shifted._children
        known.update({p: f"p({names[i]})", e: f"exp(logit {names[i]} − max)", shifted: f"logit {names[i]} − max",
                      minus_max: "−max", inverse: "1 / Σ exp", inverse._children[0]: "Σ exp",
                      logits[i]: f"logit {names[i]}"})
    return loss_t, known, set(logits)


def _attention_piece(weights, query, key):
    """An attention weight (`weights[key]`: the head's softmax at `query`), its nodes' labels down to the query and
    key vectors' entries, and those entries."""
    known, boundary = {weights[key]: f"attention weight {query} → {key}"}, set()
    for t, w in enumerate(weights):  # w = exp(score + -max) * total ** -1, score = (q · k_t) * head_dim ** -0.5
        e, inverse = w._children
        (shifted,) = e._children
        score, minus_max = shifted._children
        qk, scale = score._children
        head_dim = len(qk._children) // 2
        known.update({e: f"exp(score {t} − max)", shifted: f"score {t} − max", minus_max: "−max",
                      inverse: "1 / Σ exp", inverse._children[0]: "Σ exp", score: f"score {t}",
                      scale: f"1/√{head_dim}", qk: f"q · k{t}"})
        for j in range(head_dim):
            q_j, k_j = qk._children[2 * j], qk._children[2 * j + 1]
            known.update({q_j: f"q[{j}]", k_j: f"k{t}[{j}]"})
            boundary.update((q_j, k_j))
    return weights[key], known, boundary


def _subgraph(root, known, boundary, max_nodes, param_names):
    """The nodes below `root`, breadth-first, at most `max_nodes`, not expanding `boundary` nodes; `hidden` counts a
    node's children left out (a boundary node's, or those beyond `max_nodes`)."""
    ids, order, edges, hidden = {root: 0}, [root], [], {}
    queue, truncated = deque([root]), False
    while queue:
        node = queue.popleft()
        children = list(dict.fromkeys(node._children))  # distinct, in order (x * x has one)
        if node in boundary:
            hidden[node] = len(children)
            continue
        new = [child for child in children if child not in ids]
        room = max_nodes - len(order)
        for child in new[:room]:
            ids[child] = len(order)
            order.append(child)
            queue.append(child)
        if len(new) > room:
            hidden[node], truncated = len(new) - room, True
        edges.extend([ids[child], ids[node]] for child in children if child in ids)
    params = param_names([node for node in order if not node._children])
    nodes = [{'id': ids[node], 'op': operation(node, node in params),
              'label': known.get(node) or params.get(node, ''), 'data': float(node.data),
              'grad': float(node.grad), 'hidden': hidden.get(node, 0)} for node in order]
    return {'nodes': nodes, 'edges': edges, 'root': 0, 'truncated': truncated}


def _param_names(model, names, leaves):
    """{leaf: its name, as `wte['e'][3]` or `layer0.attn_wq[2][5]`} for the leaves that are parameters."""
    wanted, found = set(map(id, leaves)), {}
    for name, matrix in model.state_dict.items():
        for r, row in enumerate(matrix):
            if wanted.isdisjoint(map(id, row)):
                continue
            for col, p in enumerate(row):
                if id(p) in wanted:
                    found[p] = f"{name}[{names[r] if name in ('wte', 'lm_head') else r}][{col}]"
    return found


def operation(node, is_param=False):
    """The operation that made `node`, recognised from its children and local gradients (see `autograd`): '+', '×',
    'sum', 'dot', 'exp', 'log', 'relu', '^-1', '^-0.5', 'param' or 'const' (leaves; `is_param` tells which), '?'.

    Each candidate is recomputed with the operations autograd uses (`libm`'s functions, sums in the same order),
    so a match is exact. A product or sum of two is '×' or '+', also when `dot` or `sum_of` made it.
    """
    children, local, data = node._children, node._local_grads, node.data
    if not children:
        return 'param' if is_param else 'const'
    ones = all(type(g) is int and g == 1 for g in local)  # a sum's local gradients are the int 1, relu's floats
    if len(children) == 2:
        a, b = children
        if ones and data == a.data + b.data:
            return '+'
        if local == (b.data, a.data) and data == a.data * b.data:
            return '×'
    if ones:
        total = 0
        for child in children:
            total += child.data
        if data == total:
            return 'sum'
    if len(children) % 2 == 0 and all(g == children[i ^ 1].data for i, g in enumerate(local)):
        total = 0
        for i in range(0, len(children), 2):
            total += children[i].data * children[i + 1].data
        if data == total:
            return 'dot'
    if len(children) == 1:
        x, (g,) = children[0].data, local
        candidates = [('exp', lambda: (libm.exp(x), libm.exp(x))), ('log', lambda: (libm.log(x), 1 / x)),
                      ('^-1', lambda: (libm.pow(x, -1), -1 * libm.pow(x, -2))),
                      ('^-0.5', lambda: (libm.pow(x, -0.5), -0.5 * libm.pow(x, -1.5))),
                      ('relu', lambda: (max(0, x), float(x > 0)))]
        for name, forward in candidates:
            try:
                if forward() == (data, g) and (name != 'relu' or type(g) is float):
                    return name
            except (ValueError, OverflowError, ZeroDivisionError):
                continue
    return '?'


def gradient_check(model, tokenizer, text, count=6, h=GRADIENT_CHECK_H):
    """Autograd's gradients of a training step's loss on the document `text` against central finite differences.

    In each of the first `count` weight matrices (embeddings and output first, then each layer's attn_wq, attn_wv
    and mlp_fc1, then each layer's attn_wk, attn_wo and mlp_fc2: every role early), the entry with the largest gradient
    (the first of equal ones) is moved by ±h and the loss computed again with `document_loss`; the weight gets its
    saved value back. Returns `{'loss', 'h', 'params': [{'name', 'autograd', 'numeric', 'relative'}]}`, `relative`
    being |autograd - numeric| / max(|autograd|, |numeric|).
    """
    tokens = _document(tokenizer, text)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"count must be a positive integer, got {brief(count)}")
    if isinstance(h, bool) or not isinstance(h, (int, float)) or not 0 < h < 1:
        raise ValueError(f"h must be a number between 0 and 1, got {brief(h)}")
    sd, names = model.state_dict, _quoted_labels(tokenizer)
    layers = range(model.config.n_layer)
    order = ['wte', 'wpe', 'lm_head'] + [f'layer{i}.{m}' for i in layers for m in ('attn_wq', 'attn_wv', 'mlp_fc1')] \
        + [f'layer{i}.{m}' for i in layers for m in ('attn_wk', 'attn_wo', 'mlp_fc2')]
    order = order[:count]
    with gc_paused():
        with _grads_kept(model):
            with _weights_sane():
                loss = document_loss(model, tokens)
                loss.backward()
            checked = []
            for name in order:
                flat = [(r, col, p) for r, row in enumerate(sd[name]) for col, p in enumerate(row)]
                r, col, p = max(flat, key=lambda entry: abs(entry[2].grad))  # max keeps the first of equals
                label = names[r] if name in ('wte', 'lm_head') else r
                checked.append((f"{name}[{label}][{col}]", p, float(p.grad)))
        params = []
        for name, p, autograd in checked:
            saved = p.data
            try:
                with _weights_sane():
                    p.data = up = saved + h
                    loss_up = document_loss(model, tokens).data
                    p.data = down = saved - h
                    loss_down = document_loss(model, tokens).data
                    numeric = (loss_up - loss_down) / (up - down)  # the step actually taken, saved ± h rounded
            finally:
                p.data = saved
            params.append({'name': name, 'autograd': autograd, 'numeric': numeric,
                           'relative': abs(autograd - numeric) / max(abs(autograd), abs(numeric), sys.float_info.min)})
    return {'loss': loss.data, 'h': h, 'params': params}


@contextmanager
def _weights_sane():
    """The model's maths failing (an overflow, a log of 0, as `Trainer.step` meets them) means weights driven huge by
    too high a learning rate: say so, as training does, rather than name the operation."""
    try:
        yield
    except (ValueError, OverflowError, ZeroDivisionError) as e:
        raise FloatingPointError(f"the weights have diverged ({e}): train with a lower learning rate") from e


@contextmanager
def _grads_kept(model):
    """Every parameter's `.grad` as it was (0 between steps), whatever happens inside: backward adds to them."""
    saved = [p.grad for p in model.params]
    try:
        yield
    finally:
        for p, grad in zip(model.params, saved):
            p.grad = grad
