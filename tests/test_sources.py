"""The code editor's core (microgpt.sources), on a copy of the package: an edited module trains as a copy of the
package edited by hand and run in a fresh process; the package as installed gives the golden numbers back; code that
cannot run is refused before anything is written, or put back when it fails to import; errors point at the edited
line; the zip of the edited package prints, in a terminal, what the edited package computes here."""

import importlib
import importlib.util
import io
import json
import os
import py_compile
import shutil
import subprocess
import sys
import time
import tomllib
import zipfile

import pytest

import microgpt as installed
from conftest import ROOT, assert_same_floats, golden
from microgpt import sources

ORIGINALS = sources.originals()
RELU = 'x = [xi.relu() for xi in x]'
COPY = shutil.ignore_patterns('__pycache__')
# a fresh interpreter sees only the package in its current directory (not this repository's, through PYTHONPATH)
ENV = {key: value for key, value in os.environ.items() if key not in ('PYTHONPATH', 'PYTHONSAFEPATH')}


def edit(module, old, new):
    text = ORIGINALS[module]
    assert text.count(old) == 1
    return {module: text.replace(old, new)}


def squared_relu():
    return edit('model.py', RELU, 'x = [xi.relu() ** 2 for xi in x]')


def line_of(text, part):
    """The 1-based line of `text` that holds `part`."""
    return text[:text.index(part)].count('\n') + 1


@pytest.fixture
def package(tmp_path):
    """A copy of the package, first on sys.path; afterwards the real package's modules and sys.path as they were."""
    site = tmp_path / 'site'
    shutil.copytree(ROOT / 'microgpt', site / 'microgpt', ignore=COPY)
    modules = {name: module for name, module in sys.modules.items() if sources._ours(name)}
    path = list(sys.path)
    sys.path.insert(0, str(site))
    importlib.invalidate_caches()
    yield site / 'microgpt'
    for name in [name for name in sys.modules if sources._ours(name)]:
        del sys.modules[name]
    sys.modules.update(modules)
    sys.path[:] = path
    importlib.invalidate_caches()


def train(microgpt, steps=3, **config):
    """The losses of the first `steps` steps, and the trainer, with this `microgpt` module's code."""
    trainer = microgpt.Trainer(microgpt.Config(steps=steps, **config), microgpt.documents(microgpt.builtin_names()))
    return [trainer.step() for _ in range(steps)], trainer


def files(directory):
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir()) if path.is_file()}


def our_modules():
    return {name: module for name, module in sys.modules.items() if sources._ours(name)}


# ---- the modules ----

def test_the_modules_are_every_module_of_the_package_but_this_one():
    package = ROOT / 'microgpt'
    assert len(set(sources.MODULES)) == len(sources.MODULES) and sources.MODULES[0] == 'model.py'
    assert set(sources.MODULES) == {path.name for path in package.glob('*.py')} - {'sources.py'}
    # the other files the wheel ships, which the zip must hold too
    assert set(sources.DATA) == {path.name for path in package.iterdir() if path.is_file() and path.suffix != '.py'}
    pyproject = tomllib.loads((ROOT / 'pyproject.toml').read_text())
    assert pyproject['tool']['setuptools']['package-data']['microgpt'] == list(sources.DATA)


def test_the_originals_are_the_files_as_installed():
    assert list(ORIGINALS) == list(sources.MODULES)
    assert all(text.encode('utf-8') == (ROOT / 'microgpt' / name).read_bytes() for name, text in ORIGINALS.items())


# ---- edited code runs ----

HAND_EDITED = """
import json, microgpt
from microgpt import Config, Trainer, builtin_names, documents
trainer = Trainer(Config(steps=5), documents(builtin_names()))
print(json.dumps({'file': microgpt.__file__, 'losses': [trainer.step() for _ in range(5)]}))
"""


def test_an_edit_trains_as_a_copy_of_the_package_edited_by_hand(package, tmp_path):
    original, _ = train(installed, 5)
    microgpt = sources.apply(squared_relu(), ORIGINALS, package)
    edited, _ = train(microgpt, 5)
    assert microgpt.__file__ == str(package / '__init__.py') and microgpt is not installed
    # the outside reference: the installed files, the ReLU squared in an editor, in a fresh interpreter
    hand = tmp_path / 'hand'
    shutil.copytree(ROOT / 'microgpt', hand / 'microgpt', ignore=COPY)
    model = hand / 'microgpt' / 'model.py'
    model.write_text(model.read_text().replace(RELU, 'x = [xi.relu() ** 2 for xi in x]'))
    out = subprocess.run([sys.executable, '-c', HAND_EDITED], cwd=hand, env=ENV, capture_output=True, text=True,
                         timeout=300, check=True)
    result = json.loads(out.stdout)
    assert result['file'] == str(hand / 'microgpt' / '__init__.py')
    assert_same_floats(edited, result['losses'])
    assert all(a != b for a, b in zip(edited, original))


def test_the_package_as_installed_comes_back_with_the_golden_numbers(package, names):
    sources.apply(squared_relu(), ORIGINALS, package)
    microgpt = sources.apply({}, ORIGINALS, package)
    assert sources.originals(package) == ORIGINALS
    g = golden('variant-small')
    trainer = microgpt.Trainer(microgpt.Config(**g['config']), names)
    assert_same_floats([trainer.step() for _ in range(30)], g['trace'])
    assert trainer.final_samples() == g['samples']


def test_only_the_files_that_change_are_written(package):
    for path in package.iterdir():
        os.utime(path, ns=(10 ** 18, 10 ** 18))  # 2001: any file written now has another time
    edits = {**squared_relu(), 'optim.py': ORIGINALS['optim.py']}  # an "edit" that changes nothing
    sources.apply(edits, ORIGINALS, package)
    assert sorted(path.name for path in package.iterdir() if path.stat().st_mtime_ns != 10 ** 18) == ['model.py']


def test_an_edit_of_the_same_size_within_the_same_second_is_the_one_imported(package):
    """Python's bytecode cache trusts a source of the same size and modification time (in whole seconds)."""
    path = package / 'model.py'
    a, b = ({'model.py': ORIGINALS['model.py'] + f"\nEDIT = '{x}'\n"} for x in 'ab')
    for _ in range(5):
        time.sleep(1 - time.time() % 1)  # at the start of a second, so that both edits are made within it
        assert sources.apply(a, ORIGINALS, package).model.EDIT == 'a'
        # the bytecode of `a`, as an import that writes bytecode (or an installer) would leave it
        py_compile.compile(str(path), doraise=True, invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP)
        first = path.stat()
        assert os.path.exists(importlib.util.cache_from_source(str(path)))
        microgpt = sources.apply(b, ORIGINALS, package)
        second = path.stat()
        if int(first.st_mtime) == int(second.st_mtime):
            break
    assert (first.st_size, int(first.st_mtime)) == (second.st_size, int(second.st_mtime))
    assert microgpt.model.EDIT == 'b'


# ---- code that cannot run ----

@pytest.mark.parametrize('edits, message, where', [
    ([], "the edits must be a dict of module names to their text, got list", None),
    ({'evil.py': 'x = 1'}, "'evil.py' is not a module of microgpt that can be edited; those are model.py, ", None),
    ({'sources.py': ''}, "'sources.py' is not a module of microgpt that can be edited", None),
    ({'../model.py': ''}, "'../model.py' is not a module", None),
    ({('model.py',): ''}, "a name of type tuple is not a module", None),
    ({'model.py': b'x = 1'}, "the text of model.py must be a string, got bytes", ('model.py', None, None)),
    ({'model.py': None}, "the text of model.py must be a string, got NoneType", ('model.py', None, None)),
    ({'model.py': 'x = 1\n' * 200_000}, "model.py is 1,200,000 characters; a module may have 1,000,000",
     ('model.py', None, None)),
    ({'model.py': 'x = 1\ny = "\0"\n'}, "a NUL character, which a Python file cannot hold", ('model.py', 2, 6)),
    ({'model.py': 'x = 1\n\ny = "\ud800"'}, "a lone surrogate (U+D800), which a Python file", ('model.py', 3, 6)),
])
def test_what_is_not_a_module_is_refused(package, edits, message, where):
    before = files(package)
    with pytest.raises(sources.CodeError) as e:
        sources.apply(edits, ORIGINALS, package)
    assert e.value.kind == 'invalid' and e.value.message.startswith(message) and e.value.traceback == ''
    assert (e.value.file, e.value.line, e.value.column) == (where or (None, None, None))
    assert '\n' not in str(e.value) and files(package) == before
    with pytest.raises(sources.CodeError):
        sources.check(edits)


def test_a_module_of_the_largest_size_is_accepted():
    sources.check({'model.py': '#' * (sources.MAX_CHARS - 1) + '\n'})


def test_a_syntax_error_is_located_and_nothing_is_written(package):
    text = ORIGINALS['model.py'].replace('def softmax(logits):', 'def softmax(logits)')
    line = line_of(text, 'def softmax(logits)')
    before, modules = files(package), our_modules()
    with pytest.raises(sources.CodeError) as e:  # with a good edit of another module, which is not written either
        sources.apply({'autograd.py': ORIGINALS['autograd.py'] + '\n# edited\n', 'model.py': text}, ORIGINALS,
                      package)
    e = e.value
    assert (e.kind, e.file, e.line, e.column, e.message) == ('syntax', 'model.py', line, 20, "expected ':'")
    assert str(e) == f"model.py, line {line}: expected ':'"
    assert e.traceback.startswith(f'  File "microgpt/model.py", line {line}\n    def softmax(logits)\n')
    assert e.traceback.endswith("SyntaxError: expected ':'\n")
    assert files(package) == before and our_modules() == modules


@pytest.mark.parametrize('text, line', [
    ('x = 1\ny = ' + '-' * 100_000 + '1\n', 2),  # natively a MemoryError; in Pyodide the end of the runtime
    ('x = ' + 'not ' * 998 + '1\n', 1),  # 1,001 levels at most
    ('x = ' + '1 + ' * 10_000 + '1\n', 1),
    ('x = a' + '.b' * 10_000 + '\n', 1),
    ('x = f' + '(1)' * 10_000 + '\n', 1),
    ('if x:\n    pass\n' + 'elif x:\n    pass\n' * 1001, 2 + 2 * 1000 + 1),
    ('x = 1\nz = ' + '(' * 101 + '1' + ')' * 101 + '\n', 2),  # Pyodide's parser overflowed at 199 in Chromium
    ('x = ' + '[' * 150 + ']' * 150 + '\n', 1),
])
def test_code_nested_too_deeply_to_compile_is_refused_before_compiling(text, line):
    with pytest.raises(sources.CodeError) as e:
        sources.check({'model.py': text})
    assert (e.value.kind, e.value.file, e.value.line) == ('syntax', 'model.py', line)
    assert e.value.message == ("nested too deeply to compile in a browser tab: more than 100 brackets within "
                               "brackets, 1,000 operations within one expression, or 1,000 elif branches in one "
                               "module")


@pytest.mark.parametrize('text', [
    'x = ' + '-' * 996 + '1\n',  # x, =, the minus signs and 1: 999 levels at most
    'x = (' + ', '.join(['-1'] * 100_000) + ')\n',  # items side by side
    'x = ("' + '" "'.join(['a'] * 10_000) + '")\n',  # one string
    'if x:\n    pass\n' + 'elif x:\n    pass\n' * 1000,
    'x = ' + '(' * 100 + '1' + ')' * 100 + '\n',
])
def test_code_that_is_long_but_not_deep_is_accepted(text):
    sources.check({'model.py': text})


def test_code_the_compiler_finds_too_deep_is_refused(monkeypatch):
    # what a platform with a smaller stack than these bounds assume would raise
    def too_deep(*args, **kwargs):
        raise RecursionError('maximum recursion depth exceeded during compilation')
    monkeypatch.setattr(sources, 'compile', too_deep, raising=False)
    with pytest.raises(sources.CodeError, match='^model.py: too deeply nested for Python to compile$') as e:
        sources.check({'model.py': 'x = 1\n'})
    assert e.value.kind == 'syntax'


def test_a_module_that_fails_to_import_leaves_the_code_that_was(package):
    microgpt = sources.apply(squared_relu(), ORIGINALS, package)
    expected, _ = train(microgpt)
    before, modules = files(package), our_modules()
    broken = squared_relu()['model.py'] + '\nACTIVATION = squared_relu\n'
    line = line_of(broken, 'ACTIVATION = squared_relu')
    with pytest.raises(sources.CodeError) as e:
        sources.apply({'model.py': broken, 'optim.py': ORIGINALS['optim.py'] + '\n# edited\n'}, ORIGINALS, package)
    e = e.value
    assert (e.kind, e.file, e.line, e.column) == ('import', 'model.py', line, None)
    assert str(e) == f"model.py, line {line}: NameError: name 'squared_relu' is not defined"
    # from the package's first line run on, in its own names; the lines quoted are the edited ones
    assert e.traceback.startswith('Traceback (most recent call last):\n  File "microgpt/__init__.py", line ')
    assert f'  File "microgpt/model.py", line {line}, in <module>\n    ACTIVATION = squared_relu\n' in e.traceback
    assert str(package) not in e.traceback and 'sources.py' not in e.traceback
    # the files and the very modules the caller had; they still work, and so does a fresh import of the files
    assert files(package) == before and our_modules() == modules
    import microgpt as again
    assert again is microgpt and train(microgpt)[0] == expected
    fresh = sources.apply(squared_relu(), ORIGINALS, package)
    assert fresh is not microgpt and train(fresh)[0] == expected


def test_a_module_the_package_does_not_import_is_imported_too(package):
    broken = ORIGINALS['inspect.py'] + '\nraise RuntimeError("edited")\n'
    with pytest.raises(sources.CodeError) as e:
        sources.apply({'inspect.py': broken}, ORIGINALS, package)
    assert (e.value.file, e.value.line, e.value.message) == ('inspect.py', broken.count('\n'), 'RuntimeError: edited')
    assert sources.originals(package) == ORIGINALS


def test_the_directory_must_be_the_package_imported(tmp_path):
    other = tmp_path / 'other' / 'microgpt'
    shutil.copytree(ROOT / 'microgpt', other, ignore=COPY)
    modules = our_modules()
    with pytest.raises(ValueError, match=f'imports {ROOT / "microgpt"}, not {other}: put {other.parent} first'):
        sources.apply(squared_relu(), ORIGINALS, other)
    assert sources.originals(other) == ORIGINALS and our_modules() == modules


# ---- errors raised by edited code, while it runs ----

def test_an_error_in_an_edited_function_points_at_the_edited_line(package):
    edits = edit('model.py', RELU, 'x = [xi.relu() for xi in xs]')
    line = line_of(edits['model.py'], 'for xi in xs]')
    microgpt = sources.apply(edits, ORIGINALS, package)
    with pytest.raises(NameError) as e:
        train(microgpt, 1)
    assert sources.locate(e.value, package) == {'file': 'model.py', 'line': line}
    text = sources.format_traceback(e.value, package)
    assert text.startswith('Traceback (most recent call last):\n')
    assert f'  File "microgpt/model.py", line {line}, in __call__\n    x = [xi.relu() for xi in xs]\n' in text
    assert '  File "microgpt/trainer.py", line ' in text and str(package) not in text
    assert "NameError: name 'xs' is not defined" in text


def test_an_error_the_trainer_reports_as_another_points_at_its_cause(package):
    edits = edit('model.py', RELU, 'x = [xi.relu() for xi in x if 1 / 0]')
    line = line_of(edits['model.py'], 'if 1 / 0]')
    microgpt = sources.apply(edits, ORIGINALS, package)
    with pytest.raises(FloatingPointError, match='training diverged at step 1 \\(division by zero\\)') as e:
        train(microgpt, 1)
    assert sources.locate(e.value, package) == {'file': 'model.py', 'line': line}
    text = sources.format_traceback(e.value, package)
    assert 'ZeroDivisionError: division by zero\n\nThe above exception was the direct cause' in text
    assert f'  File "microgpt/model.py", line {line}, in __call__\n' in text


def test_locate_names_only_the_packages_modules(package):
    try:
        raise ValueError('not from the package')
    except ValueError as e:
        assert sources.locate(e, package) is None
    try:
        compile('x = (', str(package / 'model.py'), 'exec')
    except SyntaxError as e:
        assert sources.locate(e, package) == {'file': 'model.py', 'line': 1}
        assert sources.locate(e, ROOT / 'microgpt') is None


# ---- the package as a zip ----

def unzip(data, directory):
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        z.extractall(directory)
    return directory / 'microgpt-modified'


def run_cli(cwd, *args):
    out = subprocess.run([sys.executable, '-m', 'microgpt', *args], cwd=cwd, env=ENV, capture_output=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_the_zip_is_the_package_with_the_edits():
    edits = squared_relu()
    data = sources.package_zip(edits, ORIGINALS)
    assert sources.package_zip(dict(edits), dict(ORIGINALS)) == data  # the same edits, the same bytes
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        infos = z.infolist()
        names = [info.filename for info in infos]
        assert names == sorted(['microgpt-modified/README.txt'] + [
            f'microgpt-modified/microgpt/{name}' for name in (*sources.MODULES, 'sources.py', *sources.DATA)])
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) and i.compress_type == zipfile.ZIP_DEFLATED for i in infos)
        package = {name.split('/', 1)[1]: z.read(name) for name in names}
    assert package['microgpt/model.py'] == edits['model.py'].encode()
    assert package['microgpt/trainer.py'] == (ROOT / 'microgpt' / 'trainer.py').read_bytes()
    assert package['microgpt/sources.py'] == (ROOT / 'microgpt' / 'sources.py').read_bytes()
    assert package['microgpt/names.txt'] == (ROOT / 'microgpt' / 'names.txt').read_bytes()
    readme = package['README.txt'].decode()
    assert readme.startswith('microgpt, modified: model.py edited on the page, the other modules as installed.\n')
    assert '    cd microgpt-modified && python3 -m microgpt [the same flags]\n' in readme
    with zipfile.ZipFile(io.BytesIO(sources.package_zip({}, ORIGINALS))) as z:
        assert z.read('microgpt-modified/README.txt').startswith(b'microgpt, modified: no module edited: the package')
    with pytest.raises(sources.CodeError, match='expected'):
        sources.package_zip({'model.py': 'def f()\n'}, ORIGINALS)


def test_the_zip_prints_in_a_terminal_what_the_edited_package_computes(package, tmp_path):
    edits = squared_relu()
    as_installed = run_cli(unzip(sources.package_zip({}, ORIGINALS), tmp_path / 'a'), '--steps', '3')
    assert as_installed == run_cli(ROOT, '--steps', '3')
    edited = run_cli(unzip(sources.package_zip(edits, ORIGINALS), tmp_path / 'b'), '--steps', '3')
    assert edited != as_installed
    # what the edited package computes in this process, printed as the reference prints
    microgpt = sources.apply(edits, ORIGINALS, package)
    losses, trainer = train(microgpt, 3)
    expected = (f"num docs: 32033\nvocab size: 27\nnum params: {len(trainer.model.params)}\n"
                + ''.join(f"step {i + 1:4d} / {3:4d} | loss {loss:.4f}\r" for i, loss in enumerate(losses))
                + "\n--- inference (new, hallucinated names) ---\n"
                + ''.join(f"sample {i + 1:2d}: {name}\n" for i, name in enumerate(trainer.final_samples())))
    assert edited.decode() == expected
