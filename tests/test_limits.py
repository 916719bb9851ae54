"""The limits of a browser tab, which every checkpoint is within: each product named with its value and limit."""

import pytest

from microgpt import Config, limits
from microgpt.model import num_params


@pytest.mark.parametrize('settings, vocab_size', [({}, 27), ({'n_layer': 3, 'n_embd': 12, 'n_head': 3}, 500),
                                                  ({'n_layer': 2, 'n_embd': 1, 'n_head': 1, 'block_size': 7}, 1)])
def test_num_params_in_closed_form_is_the_models(settings, vocab_size):
    config = Config(**settings)
    assert limits.num_params(config, vocab_size) == num_params(config, vocab_size)


@pytest.mark.parametrize('settings, vocab_size, message', [
    ({'steps': 1_000_001}, 27, 'steps is 1,000,001; a browser tab takes 1 to 1,000,000'),
    ({'samples': 10 ** 8}, 27, 'samples is 100,000,000; a browser tab takes 1 to 500'),  # would sample for hours
    ({'seed': -1}, 27, 'seed is -1; a browser tab takes 0 to 4,294,967,295'),
    ({'seed': 10 ** 50}, 27, 'seed is beyond 10^40; a browser tab takes 0 to 4,294,967,295'),
    ({'n_layer': 9, 'n_embd': 4, 'block_size': 4}, 27, 'n_layer is 9; a browser tab takes 1 to 8'),
    ({'n_layer': 5, 'n_embd': 64, 'block_size': 16}, 27,
     'the model is too large: n_layer x n_embd^2 x block_size is 327,680; the limit is 262,144'),
    ({'n_head': 32, 'n_embd': 32, 'block_size': 128}, 27,
     'the attention is too large: n_layer x n_head x block_size^2 is 524,288; the limit is 262,144'),
    ({'n_embd': 16, 'block_size': 64}, 4097,
     'the output layer is too large: vocab_size x n_embd x block_size is 4,195,328; the limit is 4,194,304'),
    ({'n_embd': 16, 'block_size': 1}, 40_000,
     'the model is too large: its number of parameters is 1,283,088; the limit is 1,048,576'),
    ({'n_layer': 10 ** 40}, 27, 'n_layer is beyond 10^40; a browser tab takes 1 to 8'),
])
def test_a_run_too_large_for_a_browser_tab_is_named(settings, vocab_size, message):
    with pytest.raises(ValueError) as e:
        limits.check(Config(**settings), vocab_size)
    assert str(e.value) == message


def test_the_largest_default_shapes_the_page_allows_pass():
    limits.check(Config(steps=1_000_000, n_layer=1, n_embd=32, n_head=4, block_size=256), 27)
    limits.check(Config(n_layer=8, n_embd=16, n_head=4, block_size=64), 27)
