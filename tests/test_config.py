"""The config's defaults are the reference's constants; bad values are refused naming the field."""

import pytest

from microgpt import Config


def test_defaults_are_the_reference_constants():
    c = Config()
    assert (c.n_layer, c.n_embd, c.block_size, c.n_head, c.head_dim) == (1, 16, 16, 4, 4)
    assert (c.learning_rate, c.beta1, c.beta2, c.eps_adam, c.init_std) == (0.01, 0.85, 0.99, 1e-8, 0.08)
    assert (c.steps, c.temperature, c.samples, c.seed) == (1000, 0.5, 20, 42)


@pytest.mark.parametrize('values, message', [
    ({'n_embd': 10, 'n_head': 4}, r'n_embd \(10\) must be divisible by n_head \(4\)'),
    ({'steps': 0}, 'steps must be at least 1'),
    ({'n_layer': 0}, 'n_layer must be at least 1'),
    ({'n_embd': -4}, 'n_embd must be at least 1'),
    ({'n_head': 0}, 'n_head must be at least 1'),
    ({'block_size': 0}, 'block_size must be at least 1'),
    ({'samples': 0}, 'samples must be at least 1'),
    ({'steps': 2.5}, 'steps must be an integer'),
    ({'steps': True}, 'steps must be an integer'),
    ({'seed': '42'}, 'seed must be an integer'),
    ({'temperature': 0}, 'temperature must be greater than 0'),
    ({'temperature': -1.0}, 'temperature must be greater than 0'),
    ({'learning_rate': float('nan')}, 'learning_rate must be a finite number'),
    ({'learning_rate': float('inf')}, 'learning_rate must be a finite number'),
    ({'learning_rate': 0.0}, 'learning_rate must be greater than 0'),
    ({'learning_rate': '0.1'}, 'learning_rate must be a number'),
    ({'beta1': 1.0}, r'beta1 must be in \[0, 1\)'),
    ({'beta2': -0.1}, r'beta2 must be in \[0, 1\)'),
    ({'eps_adam': 0.0}, 'eps_adam must be greater than 0'),
])
def test_invalid_values_name_the_field(values, message):
    with pytest.raises(ValueError, match=message):
        Config(**values)


def test_from_dict_refuses_unknown_keys_and_round_trips():
    with pytest.raises(ValueError, match='unknown config field.*n_embed'):
        Config.from_dict({'n_embed': 16})
    c = Config(steps=7, learning_rate=1)
    assert c.learning_rate == 1.0 and isinstance(c.learning_rate, float)
    assert Config.from_dict(c.to_dict()) == c


def test_a_saved_config_holds_every_field_a_partial_one_takes_the_defaults():
    values = Config(n_embd=8, n_head=2).to_dict()
    del values['n_head']
    with pytest.raises(ValueError, match='the config lacks n_head'):
        Config.from_dict(values)  # not silently the default 4: a 2-head model does not resume as a 4-head one
    assert Config.from_dict({'steps': 5}, partial=True) == Config(steps=5)


@pytest.mark.parametrize('values, message', [
    ({'seed': 10 ** 5000}, None),  # any integer is a seed
    ({'steps': -10 ** 5000}, '^steps must be at least 1, got an integer of 5,001 digits$'),
    ({'n_embd': 10 ** 5000 + 1, 'n_head': 2},
     r'^n_embd \(an integer of 5,001 digits\) must be divisible by n_head \(2\)$'),
    ({'learning_rate': 10 ** 5000}, '^learning_rate must be a finite number, got an integer of 5,001 digits$'),
    ({'steps': 'x' * 10_000}, "^steps must be an integer, got 'x{38}…$"),
    ({'samples': {'a': list(range(10 ** 6))}},
     r"^samples must be an integer, got \{'a': \[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10…$"),
])
def test_untrusted_values_are_quoted_briefly(values, message):
    if message is None:
        assert Config(**values).seed == values['seed']
        return
    with pytest.raises(ValueError, match=message):
        Config(**values)


def test_a_value_nested_thousands_deep_is_quoted_briefly():
    deep = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(ValueError, match=r'^steps must be an integer, got \[{39}…$'):
        Config(steps=deep)
    with pytest.raises(ValueError, match=r"unknown config field\(s\): 'a', 'b', 'c', 'd', 'e' and 2 more"):
        Config.from_dict(dict.fromkeys('abcdefg', 1))
