"""Parity with the reference: its printed output and every step's loss, for the default run and a small variant."""

import subprocess
import sys

import pytest

from conftest import ROOT, assert_same_floats, cli_args, golden
from microgpt import Config, Trainer


def run_cli(*args):
    return subprocess.run([sys.executable, '-m', 'microgpt', *args], cwd=ROOT, capture_output=True, timeout=900)


def train(config, docs):
    trainer = Trainer(config, docs)
    losses = [trainer.step() for _ in range(config.steps)]
    return losses, trainer.final_samples()


def test_variant_small_stdout_is_byte_identical():
    g = golden('variant-small')
    out = run_cli(*cli_args(g['flags']))
    assert out.returncode == 0, out.stderr
    assert out.stdout == g['stdout']


def test_variant_small_trace_and_samples(names):
    g = golden('variant-small')
    losses, samples = train(Config(**g['config']), names)
    assert_same_floats(losses, g['trace'])
    assert samples == g['samples']


@pytest.mark.slow
def test_default_stdout_is_byte_identical():
    g = golden('default')
    out = run_cli()
    assert out.returncode == 0, out.stderr
    assert out.stdout == g['stdout']


@pytest.mark.slow
def test_default_trace_and_samples(names):
    g = golden('default')
    assert Config(**g['config']) == Config()  # the golden run's settings are the defaults
    losses, samples = train(Config(), names)
    assert_same_floats(losses, g['trace'])
    assert samples == g['samples']
    assert samples[0] == 'kamon' and samples[-1] == 'anton' and len(samples) == 20
