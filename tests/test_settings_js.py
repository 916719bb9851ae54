"""web/settings.js, the page's settings logic (no DOM), run under Node: checks, URL hash, CLI command."""

import json
import shutil
import subprocess

import pytest

from conftest import ROOT

pytestmark = pytest.mark.skipif(shutil.which('node') is None, reason="Node.js is not installed")


def js(expression):
    """The JSON value of `expression`, evaluated with settings.js's exports in scope."""
    script = (f"import * as s from {json.dumps((ROOT / 'web' / 'settings.js').as_uri())};\n"
              f"const {{ FIELDS, parse, toHash, fromHash, cliCommand }} = s;\n"
              f"console.log(JSON.stringify({expression}));")
    out = subprocess.run(['node', '--input-type=module', '-e', script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


DEFAULTS = {'steps': '1000', 'seed': '42', 'learning_rate': '0.01', 'temperature': '0.5', 'samples': '20',
            'n_layer': '1', 'n_embd': '16', 'n_head': '4', 'block_size': '16'}


def test_the_fields_are_the_clis_flags_with_the_configs_defaults():
    from microgpt import Config
    fields = js('FIELDS')
    assert [f['flag'] for f in fields] == ['--steps', '--seed', '--learning-rate', '--temperature', '--samples',
                                          '--n-layer', '--n-embd', '--n-head', '--block-size']
    assert {f['key']: f['default'] for f in fields} == {k: getattr(Config(), k) for k in DEFAULTS}


@pytest.mark.parametrize('changes, errors', [
    ({}, {}),
    ({'steps': ' 50 ', 'learning_rate': '1e-3', 'temperature': '.8'}, {}),
    ({'steps': '1.5'}, {'steps': 'Enter a whole number.'}),
    ({'steps': '0x10'}, {'steps': 'Enter a whole number.'}),
    ({'learning_rate': 'Infinity'}, {'learning_rate': 'Enter a number, such as 0.01.'}),
    ({'learning_rate': '-0.1'}, {'learning_rate': 'Must be greater than 0.'}),
    ({'seed': '-1'}, {'seed': 'Must be from 0 to 4,294,967,295.'}),
    ({'n_embd': '12', 'n_head': '8'}, {'n_embd': 'Must be a multiple of the number of heads (8).'}),
    ({'n_layer': '8', 'n_embd': '64', 'block_size': '16'},
     {'n_embd': 'Too large for a browser tab: layers × embedding size² × block size is 524,288; '
                'the limit is 262,144.'}),
    ({'n_head': '16', 'block_size': '256'},
     {'block_size': 'Too large for a browser tab: layers × heads × block size² is 1,048,576; the limit is 262,144.'}),
    ({'n_embd': '32', 'block_size': '256'}, {}),  # at both bounds: allowed
])
def test_parse(changes, errors):
    result = js(f"parse({json.dumps({**DEFAULTS, **changes})})")
    assert result['errors'] == errors
    assert (result['config'] is None) == bool(errors)


def test_the_output_layer_is_bounded_by_the_datasets_vocabulary():
    chinese = {**DEFAULTS, 'n_embd': '32', 'block_size': '64'}
    assert js(f"parse({json.dumps(chinese)}, 3001).errors") == {'block_size': (
        'Too large for a browser tab with this dataset: vocabulary (3,001) × embedding size × block size is 6,146,048; '
        'the limit is 4,194,304.')}
    assert js(f"parse({json.dumps(chinese)}, 27).errors") == {}
    assert js(f"parse({json.dumps({**chinese, 'block_size': '43'})}, 3001).errors") == {}  # 4,129,376: allowed


def test_parse_gives_numbers():
    config = js(f"parse({json.dumps({**DEFAULTS, 'steps': '50', 'temperature': '1'})}).config")
    assert config == {'steps': 50, 'seed': 42, 'learning_rate': 0.01, 'temperature': 1, 'samples': 20, 'n_layer': 1,
                      'n_embd': 16, 'n_head': 4, 'block_size': 16}


def test_the_hash_holds_only_the_changes_and_reads_back():
    texts = {**DEFAULTS, 'steps': '50', 'learning_rate': '0.02'}
    assert js(f"toHash({json.dumps(texts)})") == '#steps=50&learning-rate=0.02'
    assert js(f"toHash({json.dumps(DEFAULTS)})") == ''
    assert js("fromHash('#steps=50&learning-rate=0.02&bogus=1')") == texts
    # kept to be shown as invalid, bounded, and marked as cut
    assert js("fromHash('#steps=' + 'x'.repeat(100))")['steps'] == 'x' * 40 + '…'
    assert js("fromHash('#samples')") == DEFAULTS  # a link to the names list, not a blank --samples


@pytest.mark.parametrize('name, expected', [
    (None, 'python -m microgpt --steps 50'),
    ('my names.txt', "python -m microgpt --input 'my names.txt' --steps 50"),
    ("it's.txt", "python -m microgpt --input 'it'\\''s.txt' --steps 50"),
    ('-rf.txt', 'python -m microgpt --input ./-rf.txt --steps 50'),
])
def test_the_cli_command_quotes_the_file_name(name, expected):
    config = js(f"parse({json.dumps({**DEFAULTS, 'steps': '50'})}).config")
    assert js(f"cliCommand({json.dumps(config)}, {json.dumps(name)})") == expected


def test_the_bounds_are_microgpts_limits():
    """A checkpoint the page writes opens in the CLI and back: both bound runs alike (microgpt.limits)."""
    from microgpt import limits
    script = (f"import * as s from {json.dumps((ROOT / 'web' / 'settings.js').as_uri())};\n"
              "console.log(JSON.stringify([s.MAX_MODEL_SIZE, s.MAX_ATTENTION_SIZE, s.MAX_OUTPUT_SIZE, s.MAX_PARAMS, "
              "Object.fromEntries(s.FIELDS.filter((f) => f.kind === 'int').map((f) => [f.key, [f.min, f.max]]))]));")
    out = subprocess.run(['node', '--input-type=module', '-e', script], capture_output=True, text=True, timeout=60)
    assert json.loads(out.stdout) == [limits.MAX_MODEL_SIZE, limits.MAX_ATTENTION_SIZE, limits.MAX_OUTPUT_SIZE,
                                      limits.MAX_PARAMS, {k: list(v) for k, v in limits.RANGES.items()}]


@pytest.mark.parametrize('vocab, changes', [
    (27, {'n_embd': '256', 'n_head': '4', 'block_size': '4'}),   # 12 x 256^2 + ...: 800,768, allowed
    (27, {'n_layer': '2', 'n_embd': '256', 'block_size': '2'}),  # 1,587,712: over
    (16000, {'n_embd': '64', 'block_size': '4'}),                # the output layer: 2 x 16,000 x 64 + ...
    (3001, {'n_embd': '32', 'block_size': '43'}),
])
def test_the_parameter_bound_is_the_cores(vocab, changes):
    from microgpt import Config, limits
    from microgpt.model import num_params
    texts = {**DEFAULTS, **changes}
    config = Config(**{k: (float(v) if k in ('learning_rate', 'temperature') else int(v)) for k, v in texts.items()})
    try:
        limits.check(config, vocab)
        allowed = True
    except ValueError:
        allowed = False
    result = js(f"parse({json.dumps(texts)}, {vocab})")
    assert (result['config'] is not None) == allowed, result['errors']
    if num_params(config, vocab) > limits.MAX_PARAMS:
        assert result['errors'] == {'n_embd': f'Too large for a browser tab: {num_params(config, vocab):,} parameters; '
                                              f'the limit is 1,048,576.'}


def test_the_summary_of_a_sweep_names_its_lists_and_leaves_them_out_of_the_rest():
    def summary(changes):
        return js(f"(() => {{ const r = s.parseSweep({json.dumps({**DEFAULTS, **changes})}); "
                  f"return s.summary(r.config, r.configs.length > 1 ? r.swept : [], r.configs.length); }})()")
    assert summary({}) == '1,000 steps, seed 42, 1 layer × 16 wide, 4 heads, block 16'
    assert summary({'learning_rate': '0.003, 0.01, 0.03'}) == \
        'sweep of 3 runs: learning rate 0.003, 0.01, 0.03; 1,000 steps, seed 42, 1 layer × 16 wide, 4 heads, block 16'
    assert summary({'seed': '1,2', 'n_embd': '8,16'}) == \
        'sweep of 4 runs: seed 1, 2 × embedding size 8, 16; 1,000 steps, 4 heads, block 16'


@pytest.mark.parametrize('changes, errors', [
    # one number with a decimal comma, or a thousands separator: the hint says how lists and numbers are written
    ({'learning_rate': '0,01'}, {'learning_rate': '“0”: Must be greater than 0. Lists use commas between values, and '
                                                   'decimals a point: 0.01, not 0,01.'}),
    ({'steps': '1,000'}, {'steps': '“000”: Must be from 1 to 1,000,000. Lists use commas between values: write 1000 '
                                   'without separators.'}),
    ({'learning_rate': '0.01; 0.03'}, {'learning_rate': "“0.01; 0.03”: separate a list's values with commas, such as "
                                                         "0.003, 0.01, 0.03."}),
    ({'seed': '1 2'}, {'seed': "“1 2”: separate a list's values with commas, such as 0.003, 0.01, 0.03."}),
    # a setting refused with another's value: said at the list, which is what to change, once
    ({'n_head': '1,2,3'}, {'n_head': 'With heads 3: Embedding size must be a multiple of the number of heads (3).'}),
    ({'n_embd': '12,16', 'n_head': '8'},
     {'n_embd': 'With embedding size 12: Must be a multiple of the number of heads (8).'}),
    # the same value twice would train the same run twice
    ({'learning_rate': '0.01, 0.01, 0.01'}, {'learning_rate': '“0.01” is in the list twice: each value is a run, and '
                                                               'the same run twice trains the same numbers twice. '
                                                               'Remove one.'}),
    ({'seed': '1,2,01'}, {'seed': '“01” is in the list twice: each value is a run, and the same run twice trains the '
                                  'same numbers twice. Remove one.'}),
    ({'learning_rate': '1,5'}, {}),  # two learning rates, 1 and 5: a list, not a decimal
])
def test_parse_sweep_says_what_is_wrong_with_a_list(changes, errors):
    assert js(f"s.parseSweep({json.dumps({**DEFAULTS, **changes})}).errors") == errors


def test_a_list_cut_from_a_long_link_is_said_to_be_too_long():
    texts = js("fromHash('#seed=' + Array.from({length: 3000}, (_, i) => i).join(','))")
    assert js(f"s.parseSweep({json.dumps(texts)}).errors") == {
        'seed': 'This list is too long: a sweep trains at most 16 runs, so a list holds at most 16 values.'}
