"""Runs inside each lane Pyodide (never deployed): what workerd's Python glue does, plus guards.

- `call_method` is workerd's entrypoint call path (introspection.py `wrapper_func`): arguments go
  through the SDK's `python_from_rpc`, the result through `python_to_rpc`; `fetch` is called
  "relaxed" (extra arguments dropped), RPC methods are not.
- `install_guards` removes what Node's Pyodide offers but Cloudflare's does not (sockets that
  connect, hashlib.pbkdf2_hmac), so code that works on the lane does not rely on them.
- `setup_search_path` puts the bundle and its vendored `python_modules/` on sys.path where
  workerd puts them.
- `ImportLog` records which modules each bundle module imports, so tests can tell whether a
  worker reached outside its bundle (own modules + vendored packages) and the standard library.
"""

import builtins
import socket
import sys
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


async def call_method(relaxed, instance, name, *args):
    from pyodide.code import relaxed_call
    from workers import python_from_rpc, python_to_rpc

    method = getattr(instance, name)
    py_args = [python_from_rpc(arg) for arg in args]
    result = relaxed_call(method, *py_args) if relaxed else method(*py_args)
    if isawaitable(result):
        result = await result
    return python_to_rpc(result)


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
