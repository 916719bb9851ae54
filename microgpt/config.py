"""The settings of a run: one dataclass whose defaults are the reference's constants.

Field names follow the command-line flags (`--n-embd` is `n_embd`), so the CLI, the web page's form and a saved
state all speak the same names. Every value is checked when the config is made, so a bad setting fails at once with
a `ValueError` naming the field, not deep inside training.
"""

import math
import sys
from dataclasses import asdict, dataclass, fields


@dataclass(frozen=True)
class Config:
    seed: int = 42                # seed of the random generator: data order, initial weights, samples
    steps: int = 1000             # number of training steps
    n_layer: int = 1              # depth of the transformer neural network (number of layers)
    n_embd: int = 16              # width of the network (embedding dimension)
    n_head: int = 4               # number of attention heads
    block_size: int = 16          # maximum context length of the attention window
    learning_rate: float = 0.01   # Adam's step size, decayed linearly to zero over the run
    beta1: float = 0.85           # Adam's decay rate of the first moment
    beta2: float = 0.99           # Adam's decay rate of the second moment
    eps_adam: float = 1e-8        # Adam's guard against division by zero
    init_std: float = 0.08        # standard deviation of the initial weights
    temperature: float = 0.5      # > 0, control the "creativity" of generated text, low to high
    samples: int = 20             # number of names generated after training

    def __post_init__(self):
        for name in ('steps', 'n_layer', 'n_embd', 'n_head', 'block_size', 'samples'):
            _check_int(name, getattr(self, name), minimum=1)
        _check_int('seed', self.seed)
        if self.n_embd % self.n_head:
            raise ValueError(f"n_embd ({self.n_embd}) must be divisible by n_head ({self.n_head})")
        for name in ('learning_rate', 'eps_adam', 'init_std', 'temperature'):
            if _check_float(self, name) <= 0:
                raise ValueError(f"{name} must be greater than 0, got {getattr(self, name)!r}")
        for name in ('beta1', 'beta2'):
            if not 0 <= _check_float(self, name) < 1:
                raise ValueError(f"{name} must be in [0, 1), got {getattr(self, name)!r}")

    @property
    def head_dim(self):
        return self.n_embd // self.n_head  # derived dimension of each head

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, values):
        """A config from a plain dict (a saved state, a message from the page); unknown keys are an error."""
        if not isinstance(values, dict):
            raise ValueError(f"config must be a dict, got {type(values).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(map(repr, set(values) - known))
        if unknown:
            raise ValueError(f"unknown config field(s): {', '.join(unknown)}")
        return cls(**values)


def _check_int(name, value, minimum=None):
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")


def _check_float(config, name):
    value = getattr(config, name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if isinstance(value, int) and abs(value) > sys.float_info.max:  # float() would raise OverflowError
        raise ValueError(f"{name} must be a finite number, got an integer of {value.bit_length()} bits")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    value = float(value)  # 1 from JSON is 1.0: one type in saved states and messages
    object.__setattr__(config, name, value)
    return value
