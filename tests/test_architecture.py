"""docs/architecture.md's "HTTP layer, then business functions", held across the workers: one router
class, and the business modules it names take no `Request` and build no `Response` (one module per
worker does; tests/customer/test_api.py holds customer's every other module to it too)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUSINESS_MODULES = {
    "core": [
        "signup",
        "login",
        "recovery",
        "email_change",
        "account_settings",
        "account_data",
        "account_store",
        "links",
    ],
    "billing": ["subscribing", "plan_switch", "overview", "account_data"],
    "customer": ["sites", "assets", "publish", "leads", "domains", "export", "accounts"],
}


def http_in(path: Path) -> list[str]:
    """The functions of a module with a parameter typed as a Request, or returning a Response."""
    found = []
    for fn in ast.walk(ast.parse(path.read_text())):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            params = [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]
            typed = [ast.unparse(a.annotation) for a in params if a.annotation is not None]
            returns = ast.unparse(fn.returns) if fn.returns is not None else ""
            if any(re.search(r"\bRequest\b", t) for t in typed) or re.search(r"\bResponse\b", returns):
                found.append(fn.name)
    return found


@pytest.mark.parametrize(
    ("worker", "module"), [(w, m) for w, modules in BUSINESS_MODULES.items() for m in modules]
)  # fmt: skip
def test_a_business_module_takes_no_request_and_builds_no_response(worker: str, module: str) -> None:
    assert http_in(ROOT / "workers" / worker / "src" / worker / f"{module}.py") == []


def test_the_check_sees_a_request_parameter_and_a_response_return(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "async def a(svc, request: Request) -> dict: ...\n"
        "def b(*, req: 'shared.http.Request') -> None: ...\n"
        "def c(x: int) -> Response: ...\n"
        "def d(requests: RequestCounter) -> ResponseTimes: ...\n"
    )
    assert http_in(module) == ["a", "b", "c"]


def test_the_architecture_document_names_these_modules() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text()
    named = text.split("The business modules:")[1].split("None takes a `Request`")[0]
    for worker, modules in BUSINESS_MODULES.items():
        for module in modules:
            assert f"`{module}`" in named, (worker, module)


def test_one_router_class() -> None:
    """Every worker registers its routes one way: `shared.routing.Router` (before, two router classes,
    picked by isinstance in shared/internal.py)."""
    sources = [*(ROOT / "shared").rglob("*.py"), *(ROOT / "workers").glob("*/src/**/*.py")]
    routers = [
        f"{path.relative_to(ROOT)}:{node.name}"
        for path in sources
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ClassDef) and node.name.endswith("Router")
    ]
    assert routers == ["shared/routing.py:Router"]
