"""microgpt: Karpathy's pure-Python GPT, restructured so a program can drive it step by step.

    from microgpt import Config, Trainer, builtin_names, documents
    trainer = Trainer(Config(steps=100), documents(builtin_names()))
    while not trainer.done:
        loss = trainer.step()
    print(trainer.final_samples())
"""

from .checkpoint import load, save
from .config import Config
from .data import DatasetError, Tokenizer, builtin_names, documents
from .trainer import Trainer

__version__ = '0.1.0'
__all__ = ['Config', 'DatasetError', 'Tokenizer', 'Trainer', 'builtin_names', 'documents', 'load', 'save']
