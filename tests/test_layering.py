"""The core names no site: only the profiles under newsmon/sites/ (and the demo's fixture sites)
may import a profile, and a profile imports no other profile."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import REPO

from newsmon.sites import PROFILES

PACKAGE = REPO / "newsmon"
PROFILE_PACKAGES = {f"newsmon.sites.{name}" for name in PROFILES}


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """Every module `path` imports, by its full name (`from a import b` may import `a.b`)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def profile_of(module: str) -> str | None:
    return next((p for p in PROFILE_PACKAGES if module == p or module.startswith(p + ".")), None)


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_the_walk_sees_the_code() -> None:
    names = {module_name(p) for p in MODULES}
    assert {"newsmon.spiders.outlets", "newsmon.sites.kbs.profile", "newsmon.cli"} <= names
    assert "newsmon.sites.kbs.urls" in imported(PACKAGE / "sites" / "kbs" / "profile.py")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_no_profile_is_imported_where_it_does_not_belong(path: Path) -> None:
    module = module_name(path)
    if module.startswith("newsmon.demo."):
        return  # the fixture sites render KBS WORLD's markup and time stamps
    own = profile_of(module)
    wrong = sorted(
        name for name in imported(path) if (p := profile_of(name)) is not None and p != own
    )
    assert not wrong, f"{module} imports {', '.join(wrong)}"
