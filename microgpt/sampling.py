"""Inference: may the model babble back to us.

A name is written one token at a time, each drawn from the model's softmax at the given temperature, until the model
writes BOS or the block is full. The random generator is the caller's: the final samples come from the run's own
generator, as in the reference; previews during training use a separate one so they change nothing.
The reference's two lines that turn logits into a token are the two functions `probabilities` and `draw`, so that
`microgpt.inspect` shows the very numbers a token is drawn from, and draws as sampling does.
"""

from .model import softmax


def probabilities(logits, temperature):
    """The distribution over the next token: the softmax of the logits divided by the temperature."""
    return softmax([l / temperature for l in logits])


def draw(rng, weights):
    """A token id drawn from `rng` with these weights (floats, one per token id): the reference's `random.choices`."""
    return rng.choices(range(len(weights)), weights=weights)[0]


def sample(model, tokenizer, rng, temperature):
    """One generated document."""
    keys, values = model.empty_cache()
    token_id = tokenizer.BOS
    sample = []
    for pos_id in range(model.config.block_size):
        logits = model(token_id, pos_id, keys, values)
        probs = probabilities(logits, temperature)
        token_id = draw(rng, [p.data for p in probs])
        if token_id == tokenizer.BOS:
            break
        sample.append(token_id)
    return tokenizer.decode(sample)
