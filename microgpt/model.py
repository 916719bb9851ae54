"""The model: a one-file GPT mapping a token and its position to logits over the next token.

It follows GPT-2, blessed among the GPTs, with the reference's minor differences: layernorm -> rmsnorm, no biases,
GeLU -> ReLU. Tokens are processed one at a time; the keys and values of earlier positions are kept in a cache that
the caller owns (one per document being read or written). The parameters are drawn from the random generator the
caller passes, in the reference's order, so the same seed gives the same weights. Where the reference calls `**`
or `random.gauss`, this module computes the same with `microgpt.libm`, so that they round as on the reference's
platform wherever it runs.
"""

import math

from . import libm
from .autograd import Value, dot, sum_of


def linear(x, w):
    return [dot(wo, x) for wo in w]  # the reference's sum(wi * xi for wi, xi in zip(wo, x)), as one node per row


def softmax(logits):
    max_val = max(val.data for val in logits)
    exps = [(val - max_val).exp() for val in logits]
    total = sum_of(exps)  # the reference's sum(exps), as one node
    return [e / total for e in exps]


def rmsnorm(x):
    ms = dot(x, x) / len(x)  # the reference's sum(xi * xi for xi in x)
    scale = (ms + 1e-5) ** -0.5
    return [xi * scale for xi in x]


def gauss(rng, mu, sigma):
    """`rng.gauss(mu, sigma)`, the same draws and state, but its log, cos and sin are glibc's (`microgpt.libm`).

    CPython's Box-Muller: two uniforms give two normal numbers; the second waits in `rng.gauss_next`.
    """
    z = rng.gauss_next
    rng.gauss_next = None
    if z is None:
        x2pi = rng.random() * (2.0 * math.pi)
        g2rad = math.sqrt(-2.0 * libm.log(1.0 - rng.random()))
        z = libm.cos(x2pi) * g2rad
        rng.gauss_next = libm.sin(x2pi) * g2rad
    return mu + z * sigma


def param_shapes(config, vocab_size):
    """Each weight matrix's name and (rows, columns), in the reference's order of initialisation."""
    c = config
    shapes = {'wte': (vocab_size, c.n_embd), 'wpe': (c.block_size, c.n_embd), 'lm_head': (vocab_size, c.n_embd)}
    for i in range(c.n_layer):
        shapes[f'layer{i}.attn_wq'] = (c.n_embd, c.n_embd)
        shapes[f'layer{i}.attn_wk'] = (c.n_embd, c.n_embd)
        shapes[f'layer{i}.attn_wv'] = (c.n_embd, c.n_embd)
        shapes[f'layer{i}.attn_wo'] = (c.n_embd, c.n_embd)
        shapes[f'layer{i}.mlp_fc1'] = (4 * c.n_embd, c.n_embd)
        shapes[f'layer{i}.mlp_fc2'] = (c.n_embd, 4 * c.n_embd)
    return shapes


def num_params(config, vocab_size):
    return sum(rows * cols for rows, cols in param_shapes(config, vocab_size).values())


class GPT:
    def __init__(self, config, vocab_size, rng):
        self.config = config

        def matrix(nout, nin):
            return [[Value(gauss(rng, 0, config.init_std)) for _ in range(nin)] for _ in range(nout)]

        self.state_dict = {name: matrix(*shape) for name, shape in param_shapes(config, vocab_size).items()}
        # flatten params into a single list[Value]; the optimizer's buffers follow this order
        self.params = [p for mat in self.state_dict.values() for row in mat for p in row]

    def empty_cache(self):
        """Fresh (keys, values): one list per layer, growing by one entry per position."""
        return [[] for _ in range(self.config.n_layer)], [[] for _ in range(self.config.n_layer)]

    def __call__(self, token_id, pos_id, keys, values, attention=None):
        """The logits over the next token. If `attention` is a list, each head's attention weights over the positions
        read so far (the softmax's `Value`s) are appended to it: layer 0 head 0, layer 0 head 1, ... (for inspection).
        """
        c, sd = self.config, self.state_dict
        tok_emb = sd['wte'][token_id]  # token embedding
        pos_emb = sd['wpe'][pos_id]  # position embedding
        x = [t + p for t, p in zip(tok_emb, pos_emb)]  # joint token and position embedding
        x = rmsnorm(x)  # note: not redundant due to backward pass via the residual connection

        for li in range(c.n_layer):
            # 1) Multi-head Attention block
            x_residual = x
            x = rmsnorm(x)
            q = linear(x, sd[f'layer{li}.attn_wq'])
            k = linear(x, sd[f'layer{li}.attn_wk'])
            v = linear(x, sd[f'layer{li}.attn_wv'])
            keys[li].append(k)
            values[li].append(v)
            x_attn = []
            for h in range(c.n_head):
                hs = h * c.head_dim
                q_h = q[hs:hs+c.head_dim]
                k_h = [ki[hs:hs+c.head_dim] for ki in keys[li]]
                v_h = [vi[hs:hs+c.head_dim] for vi in values[li]]
                attn_logits = [dot(q_h, k_h[t]) / libm.pow(c.head_dim, 0.5) for t in range(len(k_h))]
                attn_weights = softmax(attn_logits)
                if attention is not None:
                    attention.append(attn_weights)
                head_out = [dot(attn_weights, [v_t[j] for v_t in v_h]) for j in range(c.head_dim)]
                x_attn.extend(head_out)
            x = linear(x_attn, sd[f'layer{li}.attn_wo'])
            x = [a + b for a, b in zip(x, x_residual)]
            # 2) MLP block
            x_residual = x
            x = rmsnorm(x)
            x = linear(x, sd[f'layer{li}.mlp_fc1'])
            x = [xi.relu() for xi in x]
            x = linear(x, sd[f'layer{li}.mlp_fc2'])
            x = [a + b for a, b in zip(x, x_residual)]

        logits = linear(x, sd['lm_head'])
        return logits
