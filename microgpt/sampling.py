"""Inference: may the model babble back to us.

A name is written one token at a time, each drawn from the model's softmax at the given temperature, until the model
writes BOS or the block is full. The random generator is the caller's: the final samples come from the run's own
generator, as in the reference; previews during training use a separate one so they change nothing.
"""

from .model import softmax


def sample(model, tokenizer, rng, temperature):
    """One generated document."""
    keys, values = model.empty_cache()
    token_id = tokenizer.BOS
    sample = []
    for pos_id in range(model.config.block_size):
        logits = model(token_id, pos_id, keys, values)
        probs = softmax([l / temperature for l in logits])
        token_id = rng.choices(range(tokenizer.vocab_size), weights=[p.data for p in probs])[0]
        if token_id == tokenizer.BOS:
            break
        sample.append(token_id)
    return tokenizer.decode(sample)
