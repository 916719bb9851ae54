"""The settings of a run: one dataclass whose defaults are the reference's constants.

Field names follow the command-line flags (`--n-embd` is `n_embd`), so the CLI, the web page's form and a saved
state all speak the same names. Every value is checked when the config is made, so a bad setting fails at once with
a `ValueError` naming the field, not deep inside training. Values may come from an untrusted file, so a message
quotes them with `brief()`, never whole.
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
            raise ValueError(f"n_embd ({brief(self.n_embd)}) must be divisible by n_head ({brief(self.n_head)})")
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
    def from_dict(cls, values, partial=False):
        """A config from a plain dict; unknown keys are an error.

        A saved state must hold every field: a default filled in silently would resume another model (a 2-head model
        as a 4-head one). `partial=True` takes the defaults for the fields left out (the page sends only its form's).
        """
        if not isinstance(values, dict):
            raise ValueError(f"config must be a dict, got {type(values).__name__}")
        names = [f.name for f in fields(cls)]
        unknown = sorted(brief(key) for key in set(values) - set(names))
        if unknown:
            shown = ', '.join(unknown[:5]) + (f" and {len(unknown) - 5:,} more" if len(unknown) > 5 else '')
            raise ValueError(f"unknown config field(s): {shown}")
        missing = [name for name in names if name not in values]
        if missing and not partial:
            raise ValueError(f"the config lacks {', '.join(missing)}: a saved config holds every field")
        return cls(**values)


def brief(value, width=40):
    """An untrusted value for an error message: at most `width` characters of its repr, cut with '…'.

    Only what is shown is looked at: a list nested thousands deep or a string of millions of characters costs no
    more than a short one, and an integer too long to show is described by its number of digits, never converted
    (Python 3.11 refuses to convert one of more than 4,300 digits, and converting takes quadratic time).
    """
    text = _repr(value, width)
    return text if len(text) <= width else text[:width - 1] + '…'


def _repr(value, budget):
    """repr(value) if it is at most `budget` characters long, else a prefix of it that is longer. A nested item gets
    what is left of the budget, so nesting deeper than the budget is never entered."""
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        digits = _digits(value)
        return repr(value) if digits <= 40 else f"an integer of {digits:,} digits"
    if isinstance(value, str):
        return repr(value[:max(budget, 0) + 1])
    if isinstance(value, (list, dict)):
        opening, closing = '{}' if isinstance(value, dict) else '[]'
        text = opening
        for item in value.items() if isinstance(value, dict) else value:
            if len(text) > budget:
                return text
            if text != opening:
                text += ', '
            if isinstance(value, dict):
                text += _repr(item[0], budget - len(text)) + ': '
                item = item[1]
            text += _repr(item, budget - len(text))
        return text + closing
    return f"a value of type {type(value).__name__}"


def _digits(n):
    """The number of decimal digits of |n| (a sign not counted), without converting n to text."""
    n = abs(n)
    digits = max(1, int((n.bit_length() - 1) * math.log10(2)) + 1)  # exact or one short
    return digits + 1 if n >= 10 ** digits else digits


def _check_int(name, value, minimum=None):
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer, got {brief(value)}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {brief(value)}")


def _check_float(config, name):
    value = getattr(config, name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number, got {brief(value)}")
    if isinstance(value, int) and abs(value) > sys.float_info.max:  # float() would raise OverflowError
        raise ValueError(f"{name} must be a finite number, got {brief(value)}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    value = float(value)  # 1 from JSON is 1.0: one type in saved states and messages
    object.__setattr__(config, name, value)
    return value
