"""Customer's HTTP layer is thin: the guard verifies the identity once and hands it over, handlers call
business functions with plain values, and the business modules never see a request or a response."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from customer import api
from shared import internal_auth
from tests.customer.conftest import Owner

PACKAGE = Path(api.__file__).parent
HTTP_LAYER = {"api.py", "app.py"}


async def test_the_identity_is_decoded_once_per_request(owner: Owner, monkeypatch: pytest.MonkeyPatch) -> None:
    site = await owner.new_site()
    decoded: list[str] = []
    real = internal_auth.Identity.decode.__func__  # type: ignore[attr-defined]

    def counting(cls: type[internal_auth.Identity], text: str) -> internal_auth.Identity:
        decoded.append(text)
        return real(cls, text)  # type: ignore[no-any-return]

    monkeypatch.setattr(internal_auth.Identity, "decode", classmethod(counting))
    # An editor write: owner, plan and the site's editability all come from the identity.
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/pages", {"title": "About"}, 201)
    assert len(decoded) == 1


def _functions(path: Path) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    tree = ast.parse(path.read_text())
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def test_business_modules_take_no_request_and_return_no_response() -> None:
    offenders = []
    for path in sorted(PACKAGE.glob("*.py")):
        if path.name in HTTP_LAYER:
            continue
        for fn in _functions(path):
            annotations = [ast.unparse(a.annotation) for a in fn.args.args if a.annotation is not None]
            returns = ast.unparse(fn.returns) if fn.returns is not None else ""
            if "Request" in annotations or (returns == "Response" and fn.name != "visitor_answer"):
                offenders.append(f"{path.name}:{fn.name}")
    # forms.visitor_answer renders a refusal page from a typed result (it takes no request).
    assert offenders == []


def test_no_module_defers_an_import_to_dodge_a_cycle() -> None:
    """customer's modules import each other at the top, without a cycle (model.py holds the types)."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text())
        top = set()
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("customer"):
                top |= {a.name for a in node.names} if node.module == "customer" else {node.module.split(".")[1]}
            assert not isinstance(node, ast.If), f"{path.name}: a conditional import"
        for fn in _functions(path):
            inner = [n for n in ast.walk(fn) if isinstance(n, ast.Import | ast.ImportFrom)]
            assert not inner, f"{path.name}:{fn.name} imports at call time"
        graph[path.stem] = top

    def visit(module: str, seen: tuple[str, ...]) -> None:
        for dep in graph.get(module, set()):
            assert dep not in seen, " -> ".join([*seen, dep])
            visit(dep, (*seen, dep))

    for module in graph:
        visit(module, (module,))


def test_every_route_is_in_the_one_table() -> None:
    source = (PACKAGE / "api.py").read_text() + (PACKAGE / "app.py").read_text()
    assert "@route(" not in source
    handlers = [h for methods in api.ROUTES.values() for h in methods.values()]
    assert len(set(handlers)) == len(handlers)  # one route per handler
