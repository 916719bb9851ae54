"""microgpt: Karpathy's pure-Python GPT, restructured so a program can drive it step by step.

    from microgpt import Config, Trainer, builtin_names, documents
    trainer = Trainer(Config(steps=100), documents(builtin_names()))
    while not trainer.done:
        loss = trainer.step()
    print(trainer.final_samples())
"""

__version__ = '0.2.0'  # before the imports: every checkpoint file records the version that wrote it

from .checkpoint import CheckpointError
from .config import Config
from .data import DatasetError, Tokenizer, builtin_names, documents
from .state import load, save
from .trainer import Trainer

__all__ = ['CheckpointError', 'Config', 'DatasetError', 'Tokenizer', 'Trainer', 'builtin_names', 'documents', 'load',
           'save']
