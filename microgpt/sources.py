"""The package's own code, as the page's code editor changes it: read the modules, check edited ones, write them over
the installed package and import it afresh, say where an error in them points, and zip the package as edited.

The page lets a learner edit these modules (model.py's MLP from ReLU to squared ReLU, say) and train with them. The
package is installed as plain files (in Pyodide, /lib/python3.X/site-packages/microgpt, in a writable in-memory file
system), so an edit is a file written and the package imported again: Python's own import, tracebacks and line
numbers then work on the edited code as on any other, and the code that runs is the code on disk, which
`package_zip()` hands to a terminal.

Nothing of the reference's here: this is the editor's machinery. It uses only the standard library and imports
nothing of the package, whose other modules may be broken by an edit. Edited text is untrusted input: `check()`
refuses what cannot be a module before anything is written, and `apply()` puts the previous code back when the
edited package fails to import, so the caller keeps working with the code it had.
"""

import importlib
import io
import linecache
import os
import sys
import tokenize
import traceback
import zipfile
from pathlib import Path

PACKAGE = 'microgpt'
PACKAGE_DIR = Path(__file__).parent

# Every module, in the order a learner reads them: the model and what it is made of, then training and sampling,
# then the settings and the files around them, then the command line. This module is not among them: an edit of the
# machinery that writes and re-imports the edits could leave the page unable to undo it.
MODULES = ('model.py', 'autograd.py', 'optim.py', 'trainer.py', 'sampling.py', 'data.py', 'config.py', 'state.py',
           'checkpoint.py', 'inspect.py', 'heldout.py', 'libm.py', 'script.py', 'limits.py', 'cli.py', '__init__.py',
           '__main__.py')
DATA = ('names.txt',)  # the other files the package reads at run time (pyproject.toml's package-data)
MAX_CHARS = 1_000_000  # per module; the largest, libm.py, has ~30,000
MAX_NESTING = 1000  # an expression's depth, at most (see too_deep); the package's deepest is 54
MAX_BRACKETS = 100  # brackets within brackets, at most: Pyodide's parser overflows its stack near 200; ours nest 4

FOLDER = 'microgpt-modified'  # the zip's top folder: `cd microgpt-modified && python3 -m microgpt`
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say: the same edits give the same bytes


class CodeError(Exception):
    """Edited code that cannot run.

    `kind`: 'invalid' (not the text of a module at all), 'syntax' (it does not compile) or 'import' (the package
    raised while being imported). `file` ('model.py'), `line` and `column` (1-based) say where, when known, else
    None; `message` says what, in one line; `traceback` is Python's own text, with the package's directory shown as
    `microgpt/` ('' for 'invalid'). str(e) is the message after its place: "model.py, line 57: invalid syntax".
    """

    def __init__(self, kind, message, file=None, line=None, column=None, traceback=''):
        self.kind, self.file, self.line, self.column = kind, file, line, column
        self.message = (message.splitlines() or [''])[0]
        self.traceback = traceback
        where = f"{file}, line {line}: " if file and line else f"{file}: " if file else ''
        super().__init__(where + self.message)


def originals(directory=PACKAGE_DIR):
    """Every module's text as installed, {'model.py': ...}; read before any edit, to diff against and restore."""
    return {name: _read(Path(directory) / name) for name in MODULES}


def check(edits):
    """Refuse, with a CodeError, edits that are not modules of this package that compile. Writes nothing."""
    if not isinstance(edits, dict):
        raise CodeError('invalid', f"the edits must be a dict of module names to their text, got {_type(edits)}")
    for name, text in edits.items():
        if name not in MODULES:
            raise CodeError('invalid', f"{_brief(name)} is not a module of microgpt that can be edited; those are "
                                       f"{', '.join(MODULES)}")
        if not isinstance(text, str):
            raise CodeError('invalid', f"the text of {name} must be a string, got {_type(text)}", file=name)
        if len(text) > MAX_CHARS:
            raise CodeError('invalid', f"{name} is {len(text):,} characters; a module may have {MAX_CHARS:,}",
                            file=name)
        # compile() refuses both, but without saying where: a NUL, and a lone surrogate (a JavaScript string may
        # hold one), which UTF-8 cannot encode and so no file can hold
        bad = text.find('\0')
        if bad < 0:
            try:
                text.encode('utf-8')
            except UnicodeEncodeError as e:
                bad = e.start
        if bad >= 0:
            what = 'a NUL character' if text[bad] == '\0' else f"a lone surrogate (U+{ord(text[bad]):04X})"
            line, column = text.count('\n', 0, bad) + 1, bad - text.rfind('\n', 0, bad)
            raise CodeError('invalid', f"{what}, which a Python file cannot hold", file=name, line=line,
                            column=column)
    for name, text in edits.items():
        line = too_deep(text)
        if line is not None:
            raise CodeError('syntax', f"nested too deeply to compile in a browser tab: more than {MAX_BRACKETS} "
                                      f"brackets within brackets, {MAX_NESTING:,} operations within one expression, "
                                      f"or {MAX_NESTING:,} elif branches in one module", file=name, line=line)
        try:
            # The bytes the file will hold, as import reads them (a coding declaration included). Under a name no
            # file has: for the line a SyntaxError quotes, the compiler reads the file of that name if there is one
            # (from a checkout, ./microgpt/model.py, the unedited module), not the text it compiled.
            compile(text.encode('utf-8'), f'<{PACKAGE}/{name}>', 'exec', dont_inherit=True)
        except SyntaxError as e:
            e.filename = f'{PACKAGE}/{name}'
            raise CodeError('syntax', e.msg, file=name, line=e.lineno or None, column=e.offset or None,
                            traceback=''.join(traceback.format_exception_only(type(e), e))) from None
        except (MemoryError, RecursionError):  # the parser's or the compiler's stack: nested thousands deep
            raise CodeError('syntax', "too deeply nested for Python to compile", file=name) from None


def apply(edits, originals, directory=PACKAGE_DIR):
    """Make the package in `directory` hold `originals` with `edits` over them, import it afresh and return it.

    `apply({}, originals)` restores the package as installed. Only the files that change are written. Every module
    but `__main__` is imported (`__main__` runs the command line), so a module that fails to import is found here:
    then the files and `sys.modules` are put back as they were and a CodeError (kind 'import') says where.
    """
    check(edits)
    directory = Path(directory)
    wanted = _with_edits(edits, originals)
    before = {name: _read(directory / name) if (directory / name).exists() else None for name in MODULES}
    loaded = {name: module for name, module in sys.modules.items() if _ours(name)}
    importing = False
    try:
        _write(directory, wanted, before)
        importing = True
        package = _import_afresh()
        found = Path(package.__file__).resolve().parent
        if found != directory.resolve():
            raise _Elsewhere(f"`import {PACKAGE}` imports {found}, not {directory}: put {directory.parent} first on "
                             "sys.path")
    except BaseException as e:
        error = None
        if importing and isinstance(e, (Exception, SystemExit)) and not isinstance(e, _Elsewhere):
            # an error of the code, not a file that failed to write, an interrupt or another package imported:
            # described first, as the traceback quotes the lines of the files as they are now
            where = locate(e, directory) or {}
            error = CodeError('import', _message(e), file=where.get('file'), line=where.get('line'),
                              traceback=_traceback(e, directory, _from_package(e.__traceback__, directory)))
        # back to the code the caller had: its files, and the very modules it holds
        _write(directory, before, wanted)
        for name in [name for name in sys.modules if _ours(name)]:
            del sys.modules[name]
        sys.modules.update(loaded)
        importlib.invalidate_caches()
        if isinstance(e, _Elsewhere):
            raise ValueError(str(e)) from None
        if error is None:
            raise
        raise error from e
    return package


def locate(exc, directory=PACKAGE_DIR):
    """Where an exception raised by the package's code points: {'file': 'model.py', 'line': 57}, or None.

    The innermost frame in one of the package's modules; if the exception was raised `from` another (a step that
    fails is reported as FloatingPointError from the error inside), that one's, which is where it went wrong. A
    SyntaxError in one of the modules points at its own file and line.
    """
    where = None
    seen = set()
    while exc is not None and id(exc) not in seen:  # a cause's own cause may be the exception itself
        seen.add(id(exc))
        if isinstance(exc, SyntaxError) and _module(exc.filename, directory):
            where = {'file': _module(exc.filename, directory), 'line': exc.lineno}
        else:
            for frame in reversed(traceback.extract_tb(exc.__traceback__)):
                if _module(frame.filename, directory):
                    where = {'file': _module(frame.filename, directory), 'line': frame.lineno}
                    break
        exc = exc.__cause__
    return where


def format_traceback(exc, directory=PACKAGE_DIR):
    """Python's traceback text of `exc`, the package's directory shown as `microgpt/`."""
    return _traceback(exc, directory, exc.__traceback__)


def package_zip(edits, originals):
    """The package with `edits` over `originals`, as the bytes of a zip to run in a terminal (see its README.txt).

    One folder, `microgpt-modified/`, holding the package (its modules, this one and its data) and a README.txt.
    The same edits give the same bytes: sorted entries, a fixed date.
    """
    check(edits)
    edited = [name for name in MODULES if name in edits and edits[name] != originals.get(name)]
    files = {f'{PACKAGE}/{name}': text.encode('utf-8') for name, text in _with_edits(edits, originals).items()}
    files[f'{PACKAGE}/sources.py'] = Path(__file__).read_bytes()  # checkpoint.py imports it
    for name in DATA:
        files[f'{PACKAGE}/{name}'] = (PACKAGE_DIR / name).read_bytes()
    files['README.txt'] = _readme(edited).encode('utf-8')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as z:
        for name in sorted(files):
            info = zipfile.ZipInfo(f'{FOLDER}/{name}', date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, wherever it is made, so that the permissions below hold
            info.external_attr = 0o644 << 16
            z.writestr(info, files[name])
    return buffer.getvalue()


def _readme(edited):
    changed = (f"{', '.join(edited)} edited on the page, the other modules as installed" if edited else
               "no module edited: the package as installed")
    return f"""microgpt, modified: {changed}.

Run it with Python 3.10 or newer, nothing to install, with the flags of the command the page shows:

    cd {FOLDER} && python3 -m microgpt [the same flags]

It prints what the page computed, the same losses and names. A checkpoint the page saved with this code continues
here (python3 -m microgpt --resume FILE), and only with this code: another microgpt refuses it.
"""


def too_deep(text):
    """The line where the text may nest deeper than a browser tab's Python can compile, or None.

    The compiler recurses once per level of an expression's tree (`-(-(-x))`, `a.b.b.b`, `1 + 1 + 1`, `not not x`)
    and of an elif chain. Natively, Python refuses a tree too deep with a RecursionError or a MemoryError; in Pyodide
    it may first overflow WebAssembly's stack, a fatal error that ends the runtime (10,000 levels do). So the depth
    is bounded first, in one pass over the tokens (the tokenizer does not recurse): each token of an expression may
    add a level, but those of other items (after a comma) are beside it, not under it. A bracket costs the parser
    far more stack than an operator (dozens of grammar rules per level): Pyodide's overflows at about 199 brackets
    within brackets, just under the tokenizer's own limit of 200, so brackets are bounded on their own, at
    MAX_BRACKETS. A module that does not tokenize is left to compile() to describe.
    """
    counts, depth, elifs, previous = [0], 0, 0, None  # tokens per bracket level since its last comma; their sum
    skip = (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            kind, string = token.type, token.string
            if kind in skip:
                continue
            if kind == tokenize.NEWLINE:  # the end of a statement, outside any bracket
                counts, depth = [0], 0
            elif kind == tokenize.OP and string in ',;':
                depth -= counts[-1]
                counts[-1] = 0
            elif kind == tokenize.OP and string in ')]}' and len(counts) > 1:
                depth -= counts.pop()
            elif not (kind == tokenize.STRING == previous):  # 'a' 'b' is one constant
                counts[-1] += 1
                depth += 1
                elifs += kind == tokenize.NAME and string == 'elif'
                if depth > MAX_NESTING or elifs > MAX_NESTING:
                    return token.start[0]
                if kind == tokenize.OP and string in '([{':
                    counts.append(0)
                    if len(counts) > MAX_BRACKETS + 1:
                        return token.start[0]
            previous = kind
    except (tokenize.TokenError, SyntaxError):
        pass
    return None


def _with_edits(edits, originals):
    missing = [name for name in MODULES if not isinstance(originals.get(name), str)]
    if missing:
        raise ValueError(f"originals lacks {', '.join(missing)}: give sources.originals()")
    return {name: edits.get(name, originals[name]) for name in MODULES}


def _write(directory, texts, on_disk):
    """Write each text that differs from the file's (None: no file), so that an import compiles it afresh."""
    for name, text in texts.items():
        if text == on_disk[name]:
            continue
        path = directory / name
        if text is None:
            path.unlink()
        else:
            with open(path, 'w', encoding='utf-8', newline='') as f:
                f.write(text)
        # Python trusts cached bytecode whose source has the same size and modification time, in whole seconds: an
        # edit of the same size made within the second would run the previous one's bytecode. So the cache of a
        # written module goes (whoever wrote it: an earlier import, the installer), and `_import_afresh` writes none.
        for pyc in (directory / '__pycache__').glob(f'{path.stem}.*.pyc'):
            pyc.unlink()
    linecache.clearcache()  # tracebacks quote the lines on disk now, not lines read before


def _import_afresh():
    for name in [name for name in sys.modules if _ours(name)]:
        del sys.modules[name]
    importlib.invalidate_caches()  # the import system's cached directory listings
    dont_write_bytecode = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        package = importlib.import_module(PACKAGE)
        for name in MODULES:
            if name not in ('__init__.py', '__main__.py'):
                importlib.import_module(f'{PACKAGE}.{name[:-3]}')
    finally:
        sys.dont_write_bytecode = dont_write_bytecode
    return package


class _Elsewhere(Exception):
    """`import microgpt` found another package than the one in the directory written."""


def _ours(module_name):
    return module_name == PACKAGE or module_name.startswith(PACKAGE + '.')


def _module(filename, directory):
    """The module name ('model.py') of a file of the package in `directory`, or None."""
    if not filename:
        return None
    path = Path(filename)
    if path.name in MODULES and os.path.realpath(path.parent) == os.path.realpath(directory):
        return path.name
    return None


def _traceback(exc, directory, tb):
    text = ''.join(traceback.format_exception(type(exc), exc, tb))
    for prefix in {str(Path(directory)), os.path.realpath(directory)}:
        text = text.replace(prefix + os.sep, f'{PACKAGE}/')
    return text


def _message(exc):
    """'NameError: name 'x' is not defined': the line that ends a traceback, without any lines of notes."""
    if isinstance(exc, SyntaxError):
        return f"{type(exc).__name__}: {exc.msg}"
    return traceback.format_exception_only(type(exc), exc)[0].strip().splitlines()[0]


def _from_package(tb, directory):
    """The traceback from its first frame in one of the package's modules on (without this module's and importlib's
    frames that led there), or all of it if none is."""
    start = tb
    while start is not None and not _module(start.tb_frame.f_code.co_filename, directory):
        start = start.tb_next
    return start or tb


def _read(path):
    with open(path, encoding='utf-8', newline='') as f:  # newline='': the text as it is, '\r\n' included
        return f.read()


def _type(value):
    return type(value).__name__


def _brief(value, width=40):
    """An untrusted name, shown short: a string's start, or another value's type (whose repr may be huge)."""
    if not isinstance(value, str):
        return f"a name of type {_type(value)}"
    text = repr(value[:width])
    return text if len(text) <= width else text[:width - 1] + '…'
