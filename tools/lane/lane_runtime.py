"""Runs inside each lane Pyodide (never deployed): what workerd's Python glue does, plus guards.

- `call_method` is workerd's entrypoint call path (introspection.py `wrapper_func`): arguments go
  through the SDK's `python_from_rpc`, the result through `python_to_rpc`; `fetch` is called
  "relaxed" (extra arguments dropped), RPC methods are not.
- `install_guards` removes what Node's Pyodide offers but Cloudflare's does not (sockets that
  connect, hashlib.pbkdf2_hmac), so code that works on the lane does not rely on them.
- `start_call` runs a call as its own task whose every asyncio step is timed (the CPU time the
  lane's limits.mjs checks: Pyodide runs on one thread, so synchronous Python time is CPU time).
- `import_main` imports the main module the way Cloudflare's dedicated snapshot runs it at deploy:
  randomness, the clock and I/O in global scope are refused.
- `setup_search_path` puts the bundle and its vendored `python_modules/` on sys.path where
  workerd puts them.
- `ImportLog` records which modules each bundle module imports, so tests can tell whether a
  worker reached outside its bundle (own modules + vendored packages) and the standard library.
"""

import asyncio
import builtins
import contextvars
import functools
import os
import random
import socket
import sys
import time
from asyncio import events
from inspect import isawaitable

BUNDLE_ROOT = "/session/metadata"  # where workerd puts the worker's modules too

# Provided by the Python Workers runtime itself, not by the bundle or the standard library. The
# `workers` SDK is not among them: from 2026-04-21 the bundle vendors it (python_modules/).
RUNTIME_MODULES = frozenset(
    {"js", "pyodide", "pyodide_js", "_pyodide", "_pyodide_entrypoint_helper", "_cloudflare_compat_flags"}
)


def setup_search_path(bundle_root, process_pth_files):
    """workerd's setup_python_search_path.py: the bundle first (and the cwd), its vendored
    python_modules/ just before site-packages, `.pth` files there processed when the date turns
    `python_process_pth_files` on."""
    import importlib
    import os
    import site

    vendor = f"{bundle_root}/python_modules"
    sys.path.insert(0, bundle_root)
    os.chdir(bundle_root)
    for i, path in enumerate(sys.path):
        if "site-packages" in path:
            sys.path.insert(i, vendor)
            break
    else:
        raise ValueError("No site-packages found in sys.path")
    if process_pth_files:
        site.addsitedir(vendor)
    importlib.invalidate_caches()


# The CPU-time cell ([seconds]) of the call whose task (and the tasks it starts) is running.
_CPU = contextvars.ContextVar("lane_cpu", default=None)


def new_cpu_cell():
    return [0.0]


def start_call(cpu_cell, relaxed, instance, name, *args):
    context = contextvars.copy_context()
    context.run(_CPU.set, cpu_cell)
    coro = call_method(relaxed, instance, name, *args)
    return asyncio.get_event_loop().create_task(coro, context=context)


def install_step_timer(cpu_clock):
    """Times every asyncio step (Pyodide's WebLoop runs each as an `asyncio.Handle`) on
    `cpu_clock` (the thread's CPU seconds, so a busy machine does not inflate it) and adds it to
    the CPU cell of the call it belongs to."""
    run = events.Handle._run
    if getattr(run, "lane_timed", False):
        return

    def timed_run(self):
        cell = self._context.get(_CPU) if self._context is not None else None
        if cell is None:
            return run(self)
        start = cpu_clock()
        try:
            return run(self)
        finally:
            cell[0] += cpu_clock() - start

    timed_run.lane_timed = True
    events.Handle._run = timed_run


async def call_method(relaxed, instance, name, *args):
    from pyodide.code import relaxed_call
    from workers import python_from_rpc, python_to_rpc

    method = getattr(instance, name)
    py_args = [python_from_rpc(arg) for arg in args]
    result = relaxed_call(method, *py_args) if relaxed else method(*py_args)
    if isawaitable(result):
        result = await result
    return python_to_rpc(result)


def start_handler(cpu_cell, instance, name, *args):
    """A Durable Object's `alarm` (workerd: called relaxed, its arguments unconverted)."""
    from pyodide.code import relaxed_call

    async def run():
        result = relaxed_call(getattr(instance, name), *args)
        if isawaitable(result):
            result = await result
        return result

    context = contextvars.copy_context()
    context.run(_CPU.set, cpu_cell)
    return asyncio.get_event_loop().create_task(run(), context=context)


def durable_object_classes(module):
    """The DurableObject subclasses the main module exports (workerd's introspection.py
    collect_classes: `__all__` when defined, else every public name)."""
    from inspect import isclass

    from workers import DurableObject

    keys = module.__all__ if hasattr(module, "__all__") else [k for k in dir(module) if not k.startswith("_")]
    values = [getattr(module, k) for k in keys]
    return [v.__name__ for v in values if isclass(v) and issubclass(v, DurableObject) and v is not DurableObject]


def has_method(instance, name):
    return callable(getattr(instance, name, None))


# ---------------------------------------------------------------------------------------------
# Guards: make the lane no more capable than Cloudflare.


def _no_sockets(*_args, **_kwargs):
    raise OSError(
        "lane: Python Workers cannot open sockets (use fetch or cloudflare:sockets); "
        "Node's Pyodide would have emulated this call"
    )


def install_guards():
    import hashlib

    # Cloudflare's Pyodide has no OpenSSL, so no pbkdf2_hmac; use WebCrypto on the edge.
    if hasattr(hashlib, "pbkdf2_hmac"):
        del hashlib.pbkdf2_hmac
    # Emscripten in Node fakes TCP connections (connect() "succeeds"); workerd has no such path.
    for name in ("connect", "connect_ex", "bind", "listen", "sendto"):
        setattr(socket.socket, name, _no_sockets)
    socket.create_connection = _no_sockets
    socket.getaddrinfo = _no_sockets
    socket.gethostbyname = _no_sockets
    # threading.Thread.start and subprocess already fail in Pyodide exactly as on Cloudflare
    # ("can't start new thread", "emscripten does not support processes"), so they stay as is.


# ---------------------------------------------------------------------------------------------
# Global scope: Cloudflare runs a Python Worker's top level once, at deploy, into its dedicated
# snapshot (python_dedicated_snapshot), and every instance starts from that memory. Randomness
# there would be shared by every instance (workerd refuses it, and with python_check_rng_state
# checks the random module's state afterwards); the clock would read the deploy time forever; I/O
# is not possible outside a request.

GLOBAL_SCOPE_MESSAGE = (
    "Disallowed operation called within global scope. Asynchronous I/O (ex: fetch() or connect()), "
    "setting a timeout, and generating random values are not allowed within global scope. To fix this "
    "error, perform this operation within a handler. "
    "https://developers.cloudflare.com/workers/runtime-apis/handlers/"
)
_IN_GLOBAL_SCOPE = [False]


def _refused_in_global_scope(fn, error):
    @functools.wraps(fn)
    def guarded(*args, **kwargs):
        if _IN_GLOBAL_SCOPE[0]:
            raise error()
        return fn(*args, **kwargs)

    return guarded


def _install_global_scope_guards():
    if getattr(os.urandom, "__wrapped__", None):
        return
    # workerd's entropy_patches.py: os.urandom raises EIO outside a request.
    no_entropy = "Cannot get entropy outside of request context"
    os.urandom = _refused_in_global_scope(os.urandom, lambda: OSError(29, no_entropy))
    # workerd's BlockedCallModule: the random module's functions (not its classes) refuse.
    for name in random.__all__:
        value = getattr(random, name)
        if callable(value) and not isinstance(value, type):
            setattr(random, name, _refused_in_global_scope(value, lambda: RuntimeError(GLOBAL_SCOPE_MESSAGE)))

    def clock_error():
        return RuntimeError(
            "lane: the clock is read in global scope; on Cloudflare top-level code runs at deploy "
            "(python_dedicated_snapshot), so every instance would see the deploy time. Read it in a handler."
        )

    time.time = _refused_in_global_scope(time.time, clock_error)
    time.time_ns = _refused_in_global_scope(time.time_ns, clock_error)


def import_main(name, check_rng_state):
    import importlib

    _install_global_scope_guards()
    state = random.getstate()
    _IN_GLOBAL_SCOPE[0] = True
    try:
        module = importlib.import_module(name)
    finally:
        _IN_GLOBAL_SCOPE[0] = False
    if check_rng_state and random.getstate() != state:
        raise RuntimeError("random seed in bad state")  # workerd's after_snapshot check
    return module


def before_first_request():
    """workerd's `random_before_first_request`: every instance starts from one memory snapshot, the
    random module's state with it, so the module is seeded afresh (from the OS's entropy) before the
    instance's first request. Unseeded, every fresh instance of every worker drew the same numbers."""
    random.seed()


# ---------------------------------------------------------------------------------------------
# Import log.


class ImportLog:
    """Every `import` executed by a bundle module: importer -> imported top-level names."""

    def __init__(self, bundle_top, vendored_top):
        self.bundle_top = frozenset(bundle_top)
        self.vendored_top = frozenset(vendored_top)
        self.edges = {}  # importer module -> set of imported top-level names
        self.missing = set()  # names an import statement asked for and nobody could load
        self._orig = builtins.__import__
        builtins.__import__ = self._import

    def _import(self, name, globals=None, locals=None, fromlist=(), level=0):
        try:
            return self._orig(name, globals, locals, fromlist, level)
        except ModuleNotFoundError as exc:
            if level == 0 and exc.name:
                self.missing.add(exc.name)
            raise
        finally:
            importer = (globals or {}).get("__name__")
            if level == 0 and importer and importer.split(".")[0] in self.bundle_top:
                self.edges.setdefault(importer, set()).add(name.split(".")[0])

    def classify(self, top):
        if top in self.bundle_top:
            return "bundle"
        if top in self.vendored_top:
            return "vendored"
        if top in RUNTIME_MODULES:
            return "runtime"
        if top in sys.stdlib_module_names:
            return "stdlib"
        return "foreign"

    def report(self):
        by_kind = {"bundle": {}, "vendored": {}, "runtime": {}, "stdlib": {}, "foreign": {}}
        for importer, names in self.edges.items():
            for top in names:
                by_kind[self.classify(top)].setdefault(top, set()).add(importer)
        loaded_foreign = sorted(
            name
            for name in sys.modules
            if "." not in name and self.classify(name) == "foreign" and _is_outside(sys.modules[name])
        )
        return {
            "runtime_imports": {k: sorted(v) for k, v in sorted(by_kind["runtime"].items())},
            "vendored_imports": {k: sorted(v) for k, v in sorted(by_kind["vendored"].items())},
            "stdlib_imports": sorted(by_kind["stdlib"]),
            "foreign_imports": {k: sorted(v) for k, v in sorted(by_kind["foreign"].items())},
            "missing": sorted(self.missing),
            "foreign_loaded": loaded_foreign,
        }


def _is_outside(module):
    """A loaded module that is neither built in nor from the stdlib zip/dir nor the bundle."""
    path = getattr(module, "__file__", None) or ""
    if not path:
        return False  # built-in / frozen / JS module: part of the interpreter
    return not (path.startswith(BUNDLE_ROOT) or path.startswith("/lib/python3"))
