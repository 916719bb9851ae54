import json
import math
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

import browser

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
GOLDEN = TESTS / 'golden'  # copies of what the reference printed (../shared/golden), the oracle


def golden(name):
    """A golden run: its settings (as microgpt.Config fields), stdout bytes and per-step losses."""
    d = GOLDEN / name
    flags = json.loads((d / 'config.json').read_text())
    assert flags.pop('input') == 'names.txt'
    config = {k.replace('-', '_'): (float(v) if k in ('learning-rate', 'temperature') else int(v))
              for k, v in flags.items()}
    trace = [float(line) for line in (d / 'trace.txt').read_text().split()]
    return {'flags': flags, 'config': config, 'stdout': (d / 'stdout.txt').read_bytes(), 'trace': trace,
            'samples': [line.split(': ', 1)[1] if ': ' in line else ''
                        for line in (d / 'stdout.txt').read_text().split('\n') if line.startswith('sample ')]}


def cli_args(flags):
    return [arg for k, v in flags.items() for arg in (f'--{k}', v)]


@pytest.fixture(scope='session')
def names():
    from microgpt import builtin_names, documents
    return documents(builtin_names())


def assert_same_floats(actual, expected):
    """Bit-for-bit equality, with a readable first difference."""
    assert len(actual) == len(expected)
    for i, (a, e) in enumerate(zip(actual, expected)):
        assert a == e and math.copysign(1, a) == math.copysign(1, e), f"step {i + 1}: {a!r} != {e!r}"


# ---- the page in a real browser (pytest-playwright) ----

@pytest.fixture(scope='session')
def browser_type_launch_args(browser_type_launch_args):
    return browser.launch_args(browser_type_launch_args)


@pytest.fixture(scope='session')
def site_url():
    try:
        with browser.serve_site() as url:
            yield url
    except RuntimeError as e:
        pytest.fail(f"{e}; `python build.py test` builds it")


@pytest.fixture(scope='session')
def browser_context_args(browser_context_args):
    # each test's page starts with no service worker: one would serve the site from its copy, past `page.route`
    # (the tests of the offline site make their own contexts)
    return {**browser_context_args, 'service_workers': 'block'}


READY = re.compile(r'^Ready: Python 3\.\d+\.\d+ loaded in \d+\.\d s\.$')
DONE = re.compile(r'^Done: ')


@pytest.fixture
def app(page, site_url):
    """The page, ready to train on the built-in names; the test fails on any console error or uncaught exception, but
    for those a test expects (`page.expected_errors`, patterns: a runtime's own report of a fatal error, say)."""
    errors = []
    page.expected_errors = []
    page.on('console', lambda m: errors.append(m.text) if m.type == 'error' else None)
    page.on('pageerror', lambda e: errors.append(str(e)))
    page.goto(site_url)
    expect(page.locator('#status')).to_have_text(READY, timeout=60_000)
    expect(page.locator('#dataset-info')).to_contain_text('4,192 parameters', timeout=30_000)
    yield page
    assert [e for e in errors if not any(re.search(p, e) for p in page.expected_errors)] == []
