"""The largest run a browser tab trains, and so the largest a checkpoint file may hold.

Bounds that keep one training step of any model the page allows under ~500 MB of the worker's memory: a step's
graph grows with layers x embedding size^2 x block size (the weighted sums) and with layers x heads x block size^2
(attention). Measured natively at the bounds: 460 MB for 32 wide with a block of 256, 290 to 320 MB with 16 or
32 heads or 8 layers, 130 MB for 128 wide with a block of 16. The defaults use 4,096 and 1,024.
The output layer adds vocabulary x embedding size x block size (the dataset's characters, thousands for Chinese
text): 310 MB measured for 3,001 x 16 x 64 = 3.1 million. The built-in names use 6,912.
The parameters themselves, each a `Value` with two Adam moments, are bounded apart: a vocabulary of a million
characters would pass the bounds above with a tiny block and still hold millions of them.

The page's `web/settings.js` mirrors these constants (a test compares them). The command line trains without them,
except when it writes a checkpoint: every checkpoint it writes, the page and the command line can open.
"""

# Each setting's range in the page's form (the seed: random.seed's 32-bit words; samples: what a list shows). A
# checkpoint beyond them would open in a page whose form cannot show its settings, or sample for hours at its end.
RANGES = {'steps': (1, 1_000_000), 'seed': (0, 2 ** 32 - 1), 'samples': (1, 500), 'n_layer': (1, 8),
          'n_embd': (1, 256), 'n_head': (1, 64), 'block_size': (1, 256)}
MAX_STEPS = RANGES['steps'][1]
MAX_MODEL_SIZE = 2 ** 18      # n_layer x n_embd^2 x block_size
MAX_ATTENTION_SIZE = 2 ** 18  # n_layer x n_head x block_size^2
MAX_OUTPUT_SIZE = 2 ** 22     # vocab_size x n_embd x block_size
MAX_PARAMS = 2 ** 20          # the parameters, each a Value with two Adam moments


def check(config, vocab_size):
    """Raise ValueError, naming the product and its limit, if the run is larger than a browser tab trains."""
    c = config
    for name, (low, high) in RANGES.items():
        value = getattr(c, name)
        if not low <= value <= high:
            shown = f"{value:,}" if abs(value) < 10 ** 40 else "beyond 10^40"
            raise ValueError(f"{name} is {shown}; a browser tab takes {low:,} to {high:,}")
    _bound("the model is too large", "n_layer x n_embd^2 x block_size", c.n_layer * c.n_embd ** 2 * c.block_size,
           MAX_MODEL_SIZE)
    _bound("the attention is too large", "n_layer x n_head x block_size^2", c.n_layer * c.n_head * c.block_size ** 2,
           MAX_ATTENTION_SIZE)
    _bound("the output layer is too large", "vocab_size x n_embd x block_size", vocab_size * c.n_embd * c.block_size,
           MAX_OUTPUT_SIZE)
    _bound("the model is too large", "its number of parameters", num_params(c, vocab_size), MAX_PARAMS)


def num_params(config, vocab_size):
    """`model.num_params` in closed form, without listing a matrix per layer: a claim of a billion layers is cheap.
    wte and lm_head (vocab_size x n_embd), wpe (block_size x n_embd), then per layer four n_embd^2 attention
    matrices and the MLP's two of 4 x n_embd^2."""
    c = config
    return 2 * vocab_size * c.n_embd + c.block_size * c.n_embd + c.n_layer * 12 * c.n_embd ** 2


def _bound(what, product, value, limit):
    if value > limit:
        shown = f"{value:,}" if value < 10 ** 40 else "more than 10^40"  # a product of untrusted integers may be huge
        raise ValueError(f"{what}: {product} is {shown}; the limit is {limit:,}")
