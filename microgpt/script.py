"""Run a single-file microgpt.py (Karpathy's, or a fork of it) unchanged, printing what `python3 microgpt.py` prints on
glibc x86_64, byte for byte, also inside Pyodide.

Why: a script's numbers depend on the last bits of exp, log, pow, sin and cos, which Pyodide's libm (musl,
WebAssembly without FMA) rounds differently from glibc in rare cases: from the first random.gauss on, the reference's
losses differ in their last digits (its 4-decimal printout hides that for its 1,000 steps, a fork printing each loss
in full shows it from step 8). libm.py holds bit-exact ports of glibc's functions; this module runs a script with
them in place of the platform's without changing the script's text:

- `a ** b` and `a **= b` compile to calls of exact_pow, which is CPython's float power (Objects/floatobject.c,
  float_pow) with libm.pow where float_pow calls the platform's pow; the script's `pow(a, b)` likewise. The syntax
  tree is rewritten, not the text, so tracebacks and SyntaxErrors quote the script's own lines.
- the script's `import math` gets a module whose exp, log, pow, sin and cos are libm's (exact_math), and the stdlib
  random module's copies of log, exp, cos and sin (gauss, normalvariate, expovariate, lognormvariate, gammavariate,
  vonmisesvariate, sample, weibullvariate use them), with the constants it computed from them, are swapped likewise.
  Both only while run() runs.

run() also stands in for the rest of `python3 microgpt.py`: a fresh `__main__`, a working directory whose input.txt is
the page's dataset, stdout and stderr passed through as written, the exit status, the traceback of an uncaught
exception, Python's default warning filters. And the page is offline: a script that reaches for the network fails at
once with an OSError saying so (the reference downloads its data only when input.txt is missing).

Not exact (the platform's functions): the complex result of a negative number to a
fractional power; `**` inside random (paretovariate, weibullvariate, gammavariate with alpha < 1) and random's acos,
lgamma and log2 (vonmisesvariate, binomialvariate); math's other functions (log2, log10, tanh, ...; sqrt, which is
correctly rounded everywhere, is exact); `float.__pow__` and `operator.pow` called by name. An OverflowError of `**`
carries glibc's errno text, "(34, 'Numerical result out of range')", on any platform. A stdlib module first
imported during a run keeps the exact functions it imported from math (the same values, slower in Pyodide).
"""
import ast
import builtins
import codecs
import hashlib
import importlib.util
import io
import linecache
import math
import operator
import os
import random
import re
import shutil
import sys
import tempfile
import traceback
import types
import warnings

from . import libm, sources

REFERENCE_SHA256 = '2ac5f2e6d48391396cc4fdd6cb2547e57ad0ccdde0c8eef173dbf478e861a10e'  # the gist's microgpt.py


def is_reference(source):
    """Whether `source` (bytes) is the published reference, byte for byte."""
    return hashlib.sha256(source).hexdigest() == REFERENCE_SHA256


# ---- the exact power ----

_REALS = frozenset({int, float, bool})  # exactly these: a subclass or a Value-like class keeps its own __pow__
_ERANGE = (34, 'Numerical result out of range')  # float_pow's OverflowError: errno ERANGE, as glibc's strerror says it


def _exact_pow_with(libm_pow, fallback):
    """`a ** b` (fallback operator.pow) or `a **= b` (operator.ipow) with libm_pow where float_pow calls pow()."""
    isfinite, floor, fmod = math.isfinite, math.floor, math.fmod

    def exact(a, b):
        ta, tb = type(a), type(b)
        # float_pow: a float operand, or an int to a negative int power (long_pow hands those to float_pow)
        if ta in _REALS and tb in _REALS and (ta is float or tb is float or b < 0):
            try:
                x, y = float(a), float(b)
            except OverflowError:  # an int too large for a double: the builtin raises it as float_pow does
                return fallback(a, b)
            # float_pow answers zero exponents, NaNs, infinities, a zero base, a base of +-1 and a negative base to
            # a fractional power (a complex) itself; only the rest reaches pow(). The builtin is exact for those.
            if y and isfinite(x) and isfinite(y) and x and x != 1.0 and x != -1.0:
                if x > 0.0:
                    negate = False
                elif y == floor(y):  # a negative base to an integral power: pow(-x, y), negated if y is odd
                    x, negate = -x, fmod(abs(y), 2.0) == 1.0
                else:
                    return fallback(a, b)
                try:
                    r = libm_pow(x, y)
                except OverflowError:
                    r = None  # math.pow's error; float_pow's is raised below, outside the handler: no context
                if r is None:
                    raise OverflowError(*_ERANGE)
                return -r if negate else r
        return fallback(a, b)

    return exact


exact_pow = _exact_pow_with(libm.pow, operator.pow)
exact_pow.__name__ = exact_pow.__qualname__ = 'exact_pow'
exact_pow.__doc__ = """What `a ** b` computes, with libm's exact pow where CPython's float power calls the platform's.

Operands that are not exactly int, float or bool (subclasses, objects with __pow__ or __rpow__) go to operator.pow
unchanged, as do int ** non-negative int and every case float_pow settles without pow(): its values and exceptions
are the builtin's. A negative base to a fractional power is a complex number: the builtin's, not exact."""


def _exact_call_with(exact):
    """The script's `f(*args)` where f was found under the name `pow`: the builtin pow(a, b) is made exact."""
    builtin_pow = builtins.pow

    def call(f, *args, **kwargs):
        if f is builtin_pow and len(args) == 2 and not kwargs:
            return exact(*args)
        return f(*args, **kwargs)

    return call


# ---- the exact math module ----

def _real(x):
    """x as a double, converted as the math functions convert their arguments (PyFloat_AsDouble)."""
    return x if type(x) is float else math.ldexp(x, 0)


def _checked(port, platform):
    """port, taking what `platform` takes, and raising what it raises: error messages vary between Python versions
    (3.14 says "expected a positive input, got 0.0" where 3.13 says "math domain error")."""
    def f(*args):
        try:
            return port(*map(_real, args))
        except (TypeError, ValueError, OverflowError) as e:
            error = e
        platform(*args)  # raises, worded as this Python words it; outside the handler, so with no other as context
        raise error

    f.__name__, f.__qualname__, f.__doc__ = platform.__name__, platform.__name__, platform.__doc__
    return f


def _log_with(port):
    """math.log(x[, base]) with `port` as C's log: CPython's math_log and loghelper (Modules/mathmodule.c)."""
    log1 = _checked(port, math.log)

    def loghelper(x):
        if isinstance(x, int) and x > 0:
            try:
                return port(int.__float__(x))
            except OverflowError:  # beyond a double: x = m * 2**e, m rounded to a double in [0.5, 1) as _PyLong_Frexp
                e = x.bit_length()
                m = int(x) / (1 << e)
                if m == 1.0:
                    m, e = 0.5, e + 1
                return port(m) + port(2.0) * e
        return log1(x)  # a float, an object with __float__ or __index__; or an int <= 0, refused as math.log does

    def log(*args):
        if len(args) == 1:
            return loghelper(args[0])
        if len(args) == 2:
            return loghelper(args[0]) / loghelper(args[1])  # ZeroDivisionError for base 1, as math.log
        return math.log(*args)  # the TypeError

    log.__doc__ = math.log.__doc__
    return log


def exact_math(lib=libm):
    """A copy of the math module whose exp, log, pow, sin and cos are `lib`'s (libm's by default): what a script's
    `import math` gets during run(). A function libm takes from the platform (libm.NATIVE) is math's own."""
    module = types.ModuleType('math', math.__doc__)
    module.__dict__.update(math.__dict__)
    for name in ('exp', 'pow', 'sin', 'cos'):
        port = getattr(lib, name)
        setattr(module, name, port if port is getattr(math, name) else _checked(port, getattr(math, name)))
    module.log = math.log if lib.log is math.log else _log_with(lib.log)
    return module


class _Substitutes:
    """What a run puts in place of the platform's functions, built from a libm namespace (exp, log, pow, sin, cos):
    the math module, random's names and the names compile_exact's code calls."""

    def __init__(self, lib):
        self.math = m = exact_math(lib)
        exact = _exact_pow_with(lib.pow, operator.pow)
        self.helpers = {_POW: exact, _IPOW: _exact_pow_with(lib.pow, operator.ipow), _CALL: _exact_call_with(exact)}
        # random.py's copies of math's functions (`from math import log as _log`) and the constants it computed
        # with them at import; the other libm functions it uses (sqrt, fabs, floor, ceil) are exact everywhere
        self.random = {'_log': m.log, '_exp': m.exp, '_cos': m.cos, '_sin': m.sin,
                       'NV_MAGICCONST': 4 * m.exp(-0.5) / math.sqrt(2.0), 'LOG4': m.log(4.0),
                       'SG_MAGICCONST': 1.0 + m.log(4.5)}


# ---- compiling with the exact power ----

# The names the rewritten code calls, in the script's globals: dunder names no script uses, and not mangled in a class
_POW, _IPOW, _CALL = '__microgpt_exact_pow__', '__microgpt_exact_ipow__', '__microgpt_exact_call__'
_TARGET, _INDEX = '__microgpt_target__', '__microgpt_index{}__'  # temporaries of `obj.attr **= y`, `obj[i] **= y`
_STATEMENT_LISTS = ('body', 'orelse', 'finalbody')


def compile_exact(source, filename):
    """The code object of `source` (bytes or str) with every `a ** b`, `a **= b` and call of a function named `pow`
    made a call of the exact power, compiled under `filename`; it runs with HELPERS in its globals.

    Lines and columns are the source's, so tracebacks quote it; a SyntaxError is the one `python3 filename` reports
    (a compiler error quotes its line from the file `filename`, if it exists, as python3 does)."""
    _refuse_too_deep(source, filename)
    tree = compile(source, filename, 'exec', ast.PyCF_ONLY_AST, dont_inherit=True)
    # Iteratively, not with a recursive NodeTransformer: a script's expression may nest deeper than Python's recursion
    # limit allows a visitor. In breadth-first order a node comes before its children, so in reverse every node is
    # rewritten after the nodes below it, which its replacement then holds.
    for node in reversed(list(ast.walk(tree))):
        for field, value in ast.iter_fields(node):
            if isinstance(value, ast.AST):
                setattr(node, field, _rewritten(value))
            elif isinstance(value, list):
                if field in _STATEMENT_LISTS:
                    value[:] = [new for old in value for new in _statements(old)]
                else:
                    value[:] = [_rewritten(item) if isinstance(item, ast.AST) else item for item in value]
    return compile(tree, filename, 'exec', dont_inherit=True)


def _refuse_too_deep(source, filename):
    """A SyntaxError for a script nested deeper than a browser tab's Python can parse (sources.too_deep): there the
    parser would overflow WebAssembly's stack, which ends the runtime. python3 may compile it; the page does not."""
    try:
        text = importlib.util.decode_source(source) if isinstance(source, bytes) else source
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return  # compile() says what is wrong with it
    line = sources.too_deep(text)
    if line is not None:
        raise SyntaxError(f"nested too deeply to compile in a browser tab (more than {sources.MAX_BRACKETS} "
                          f"brackets within brackets, or {sources.MAX_NESTING:,} operations in one expression)",
                          (filename, line, 1, text.splitlines()[line - 1] if text else ''))


def _at(node, like):
    """node, placed at like's line and columns."""
    return ast.copy_location(node, like)


def _rewritten(node):
    """An expression node with the exact power in place of its own `**` or `pow(...)`, else itself."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        return _at(ast.Call(_at(ast.Name(_POW, ast.Load()), node), [node.left, node.right], []), node)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == 'pow':
        # the name is looked up as the script wrote it (its own pow, or the builtin), then the call decides
        return _at(ast.Call(_at(ast.Name(_CALL, ast.Load()), node), [node.func, *node.args], node.keywords), node)
    return node


def _statements(node):
    """A statement, or the statements that make its `target **= value` exact.

    `x **= y` becomes `x = ipow(x, y)`. Python evaluates an attribute's object, or a subscript's object and index,
    once, before the value: they are kept in temporaries, deleted after."""
    if not (isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Pow)):
        return [node]
    target, before, names = node.target, [], []

    def once(expr):
        """expr, evaluated here, into a temporary; constants and slices' parts as they are."""
        if expr is None or isinstance(expr, ast.Constant):
            return expr
        if isinstance(expr, ast.Slice):
            return _at(ast.Slice(once(expr.lower), once(expr.upper), once(expr.step)), expr)
        if isinstance(expr, ast.Tuple) and any(isinstance(e, (ast.Slice, ast.Starred)) for e in expr.elts):
            return _at(ast.Tuple([once(e) for e in expr.elts], ast.Load()), expr)
        if isinstance(expr, ast.Starred):
            return _at(ast.Starred(once(expr.value), ast.Load()), expr)
        name = _TARGET if not names else _INDEX.format(len(names))
        names.append(name)
        before.append(_at(ast.Assign([_at(ast.Name(name, ast.Store()), expr)], expr), node))
        return _at(ast.Name(name, ast.Load()), expr)

    if isinstance(target, ast.Attribute):
        obj = once(target.value)
        load, store = (_at(ast.Attribute(obj, target.attr, ctx), target) for ctx in (ast.Load(), ast.Store()))
    elif isinstance(target, ast.Subscript):
        obj = once(target.value)
        index = once(target.slice)
        load, store = (_at(ast.Subscript(obj, index, ctx), target) for ctx in (ast.Load(), ast.Store()))
    else:  # a name
        load, store = _at(ast.Name(target.id, ast.Load()), target), target
    value = _at(ast.Call(_at(ast.Name(_IPOW, ast.Load()), node), [load, node.value], []), node)
    after = [_at(ast.Delete([_at(ast.Name(name, ast.Del()), node) for name in names]), node)] if names else []
    return [*before, _at(ast.Assign([store], value), node), *after]


# ---- the offline page ----

_offline = False  # set only while run() runs: the audit hook cannot be removed, so it is gated
_hook_installed = False


def _brief(value, width=100):
    text = repr(value)
    return text if len(text) <= width else text[:width - 3] + '...'


# audit events of the standard library's ways to the network, and what each says the script tried
_NETWORK = {
    'urllib.Request': lambda a: f"urllib tried to open {_brief(a[0])}",
    'http.client.connect': lambda a: f"http.client tried to connect to {_brief(a[1])} port {a[2]}",
    'ftplib.connect': lambda a: f"ftplib tried to connect to {_brief(a[1])}",
    'smtplib.connect': lambda a: f"smtplib tried to connect to {_brief(a[1])}",
    'poplib.connect': lambda a: f"poplib tried to connect to {_brief(a[1])}",
    'imaplib.open': lambda a: f"imaplib tried to connect to {_brief(a[1])}",
    'nntplib.connect': lambda a: f"nntplib tried to connect to {_brief(a[1])}",
    'socket.connect': lambda a: f"a socket tried to connect to {_brief(a[1])}",
    'socket.sendto': lambda a: f"a socket tried to send to {_brief(a[1])}",
    'socket.sendmsg': lambda a: f"a socket tried to send to {_brief(a[1])}",
    'socket.getaddrinfo': lambda a: f"it tried to look up the host {_brief(a[0])}",
    'socket.gethostbyname': lambda a: f"it tried to look up the host {_brief(a[0])}",
    'socket.gethostbyname_ex': lambda a: f"it tried to look up the host {_brief(a[0])}",
    'socket.gethostbyaddr': lambda a: f"it tried to look up the address {_brief(a[0])}",
    'socket.getnameinfo': lambda a: f"it tried to look up the address {_brief(a[0])}",
}


def _audit(event, args):
    if _offline and event in _NETWORK:
        raise OSError(f"this page runs scripts offline by design: {_NETWORK[event](args)}; "
                      "the script reads its data from input.txt, the page's dataset")


# ---- running a script ----

_DEFAULT = _Substitutes(libm)
_substitutes = _DEFAULT  # what run(exact=True) uses (tests run natively with libm's ports in place of glibc's)
HELPERS = dict(_DEFAULT.helpers)  # the names compile_exact's code calls, and the functions it expects under them


class _Stream(io.TextIOBase):
    """sys.stdout or sys.stderr of a run: every write goes to write(name, text) at once, as written; bytes written to
    its `buffer` (as python3's sys.stdout.buffer takes them) too, decoded as UTF-8."""

    def __init__(self, write, name, errors):
        self._write, self._name, self._errors = write, name, errors
        self.buffer = _Buffer(self)

    encoding = property(lambda self: 'utf-8')
    errors = property(lambda self: self._errors)
    name = property(lambda self: f'<{self._name}>')

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if not text.isascii():  # what python3's UTF-8 stream would refuse (stdout) or escape (stderr): lone surrogates
            try:
                text.encode('utf-8')
            except UnicodeEncodeError:
                if self._errors == 'strict':
                    raise
                text = text.encode('utf-8', self._errors).decode('utf-8')
        if text:
            self._write(self._name, text)
        return len(text)

    def writable(self):
        return True

    def isatty(self):
        return False


class _Buffer(io.BufferedIOBase):
    """The `buffer` of a run's stream: bytes, decoded as they come (a character split across two writes waits for its
    second half); bytes that are no UTF-8 show as U+FFFD, since the page passes text."""

    def __init__(self, stream):
        self._stream, self._decoder = stream, codecs.getincrementaldecoder('utf-8')('replace')

    def write(self, data):
        data = memoryview(data).tobytes()  # what BufferedWriter takes: bytes, bytearray, memoryview; else TypeError
        text = self._decoder.decode(data)
        if text:
            self._stream._write(self._stream._name, text)
        return len(data)

    def writable(self):
        return True


def _default_warnings():
    """Python's warning filters when started without -W or -X dev (set by _warnings at start-up), in their order;
    and its way of showing a warning (a test runner may have replaced it, to record them)."""
    warnings.showwarning = _show_warning
    warnings.resetwarnings()
    for category in (ResourceWarning, ImportWarning, PendingDeprecationWarning, DeprecationWarning):
        warnings.simplefilter('ignore', category)  # each goes first
    warnings.filterwarnings('default', category=DeprecationWarning, module='__main__')


def _show_warning(message, category, filename, lineno, file=None, line=None):
    try:
        (sys.stderr if file is None else file).write(warnings.formatwarning(message, category, filename, lineno, line))
    except (AttributeError, OSError):  # as warnings' own: no stderr, or a broken one
        pass


def _trim(exc):
    """Take this module's and libm's frames out of the tracebacks of exc and of the exceptions chained to it: a
    script run by python3 shows none (math's functions and `**` are C there)."""
    ours, seen, todo = (globals(), libm.__dict__), set(), [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        entries, tb = [], e.__traceback__
        while tb is not None:
            if not any(tb.tb_frame.f_globals is g for g in ours):
                entries.append((tb.tb_frame, tb.tb_lasti, tb.tb_lineno))
            tb = tb.tb_next
        tb = None
        for frame, lasti, lineno in reversed(entries):
            tb = types.TracebackType(tb, frame, lasti, lineno)
        e.__traceback__ = tb
        todo += [e.__cause__, e.__context__, *getattr(e, 'exceptions', ())]
    return exc


def _exit_status(code, stderr):
    """The status python3 exits with for SystemExit(code), as the shell sees it; a code not an int is printed."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF if -2**63 <= code < 2**63 else 0xFF  # C's exit() keeps 8 bits; PyLong_AsLong's -1 beyond
    try:
        print(code, file=stderr)
    except Exception:  # a code whose str() fails: python3 prints nothing
        pass
    return 1


def run(source, filename='microgpt.py', write=None, dataset=None, exact=True):
    """Run a script as `python3 filename` runs it, with exact libm functions (`exact=False`: the platform's); returns
    its exit status.

    source: the file's bytes. write(stream, text): receives the script's output as it writes it, stream 'stdout' or
    'stderr' (None: the caller's sys.stdout and sys.stderr). dataset: the bytes of input.txt in the script's working
    directory (a fresh temporary one, removed after; None: no input.txt).

    The script runs as `__main__` in a fresh module (`__file__` is filename, sys.argv [filename]), with stdin empty,
    Python's default warning filters, and no network. Its status: 0, that of SystemExit, 1 after an uncaught
    exception (whose traceback goes to stderr as python3 prints it; 130 for KeyboardInterrupt, as after Ctrl-C).
    Everything it replaced is restored after, even on error: cwd, sys.argv, sys.path, the standard streams,
    sys.modules' math and __main__, random's functions and state. Not emulated: atexit handlers, waiting for threads.
    """
    global _offline, _hook_installed
    if isinstance(source, str):
        source = source.encode('utf-8')
    source = bytes(source)
    if write is None:
        out, err = sys.stdout, sys.stderr

        def write(stream, text):
            (out if stream == 'stdout' else err).write(text)

    if not _hook_installed:
        sys.addaudithook(_audit)
        _hook_installed = True
    subs = _substitutes
    stdout, stderr = _Stream(write, 'stdout', 'strict'), _Stream(write, 'stderr', 'backslashreplace')
    workdir = tempfile.mkdtemp(prefix='microgpt-script-')
    saved_cwd, saved_argv, saved_path = os.getcwd(), sys.argv, sys.path[:]
    saved_streams = sys.stdin, sys.stdout, sys.stderr, sys.excepthook, sys.__stdout__, sys.__stderr__
    saved_modules = {name: sys.modules.get(name) for name in ('__main__', 'math')}
    saved_random = {name: getattr(random, name) for name in subs.random}, random.getstate()
    saved_lines = linecache.cache.get(filename)
    module = types.ModuleType('__main__')
    module.__file__, module.__cached__, module.__builtins__ = filename, None, builtins
    try:
        with warnings.catch_warnings():
            _default_warnings()
            try:  # the source's lines for tracebacks and warnings, wherever the script goes
                text = importlib.util.decode_source(source)
            except (SyntaxError, UnicodeDecodeError, LookupError):
                text = ''  # a bad coding declaration or encoding: compile() says so
            # lines as Python counts them: ended by '\n' only (str.splitlines would also end them at a form feed)
            linecache.cache[filename] = (len(text), None, io.StringIO(text).readlines(), filename)
            # the file python3 would run, for open(__file__) and for the line a compiler error quotes; under a plain
            # name only, never outside the directory
            if filename not in ('', '.', '..', 'input.txt') and os.path.basename(filename) == filename:
                with open(os.path.join(workdir, filename), 'wb') as f:
                    f.write(source)
            if dataset is not None:
                with open(os.path.join(workdir, 'input.txt'), 'wb') as f:
                    f.write(dataset)
            os.chdir(workdir)
            sys.argv, sys.path[:0] = [filename], [workdir]
            # sys.__stdout__ too: in python3 it is sys.stdout, and a script may print to it
            sys.stdin, sys.stdout, sys.stderr = io.StringIO(), stdout, stderr
            sys.__stdout__, sys.__stderr__ = stdout, stderr
            sys.modules['__main__'] = module
            if exact:
                module.__dict__.update(subs.helpers)
                sys.modules['math'] = subs.math
                for name, value in subs.random.items():
                    setattr(random, name, value)
            _offline = True
            try:
                if exact:
                    code = compile_exact(source, filename)
                else:
                    _refuse_too_deep(source, filename)
                    code = compile(source, filename, 'exec', dont_inherit=True)
                exec(code, module.__dict__)
                status = 0
            except SystemExit as e:
                status = _exit_status(e.code, stderr)
            except BaseException as e:
                _offline = False
                _trim(e)
                if sys.excepthook is not saved_streams[3]:  # the script's own hook, as python3 would call it
                    try:
                        sys.excepthook(type(e), e, e.__traceback__)
                    except Exception as hook_error:  # python3 shows both (Python/pythonrun.c, _PyErr_PrintEx)
                        if hook_error.__context__ is e:  # python3 calls the hook outside any handler
                            hook_error.__context__ = None
                        print('Error in sys.excepthook:', file=stderr)
                        traceback.print_exception(_trim(hook_error), file=stderr)
                        print('\nOriginal exception was:', file=stderr)
                        traceback.print_exception(e, file=stderr)
                else:
                    traceback.print_exception(e, file=stderr)
                status = 130 if isinstance(e, KeyboardInterrupt) else 1
    finally:
        _offline = False
        sys.stdin, sys.stdout, sys.stderr, sys.excepthook, sys.__stdout__, sys.__stderr__ = saved_streams
        sys.argv, sys.path[:] = saved_argv, saved_path
        for name, value in saved_modules.items():
            if value is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = value
        for name, value in saved_random[0].items():
            setattr(random, name, value)
        random.setstate(saved_random[1])
        if saved_lines is None:
            linecache.cache.pop(filename, None)
        else:
            linecache.cache[filename] = saved_lines
        os.chdir(saved_cwd)
        shutil.rmtree(workdir, ignore_errors=True)
    return status


# ---- reading its output ----

class OutputParser:
    """Reads the reference's progress from a script's stdout, fed in pieces split anywhere: lines end with '\\n' or
    '\\r' (the reference ends its step lines with '\\r').

    feed(text) returns the events of the lines it completes:
        {'kind': 'loss', 'step': 1, 'steps': 1000, 'loss': 3.366} from `step    1 / 1000 | loss 3.3660`
        {'kind': 'sample', 'index': 1, 'text': 'kamon'} from `sample  1: kamon` (the text may be empty)
    finish() those of a last line without an end. Other lines give none: a fork that prints otherwise gives none,
    as do lines longer than MAX_LINE and steps beyond MAX_STEP.
    """

    _LOSS = re.compile(r'\s*step\s+(\d+)\s*/\s*(\d+)\s*\|\s*loss\s+(\S+)\s*')
    _SAMPLE = re.compile(r'\s*sample\s+(\d+): ?(.*)')
    _END = re.compile(r'[\r\n]')
    MAX_LINE = 1000  # characters: a longer line is no progress line; only its start is kept while it grows
    MAX_STEP = 10 ** 9  # a loss line naming a larger step is no progress line (the page counts steps in doubles)

    def __init__(self):
        self._partial = ''

    def feed(self, text):
        *lines, last = self._END.split(text)
        if not lines:  # no line ends here: output without newlines grows one line, kept only up to what can match
            self._partial = (self._partial + last)[:self.MAX_LINE + 1]
            return []
        lines[0] = self._partial + lines[0]
        self._partial = last[:self.MAX_LINE + 1]
        return [event for event in map(self._event, lines) if event]

    def finish(self):
        line, self._partial = self._partial, ''
        event = self._event(line)
        return [event] if event else []

    def _event(self, line):
        if len(line) > self.MAX_LINE:
            return None
        m = self._LOSS.fullmatch(line)
        if m:
            try:
                loss = float(m[3])
            except ValueError:
                return None
            step, steps = int(m[1]), int(m[2])
            if max(step, steps) > self.MAX_STEP:
                return None
            return {'kind': 'loss', 'step': step, 'steps': steps, 'loss': loss}
        m = self._SAMPLE.fullmatch(line)
        if m:
            return {'kind': 'sample', 'index': int(m[1]), 'text': m[2]}
        return None
