"""The code stays lint-clean and formatted (ruff) and type-checked (mypy --strict), as part of the
one test command."""

import subprocess
import sys

from conftest import REPO


def ruff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_ruff_check() -> None:
    result = ruff("check", "newsmon", "tests")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format() -> None:
    result = ruff("format", "--check", "newsmon", "tests")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict() -> None:
    # Settings (strict, the untyped third-party packages) in pyproject's [tool.mypy]; the cache
    # is mypy's own .mypy_cache in the repo, git-ignored.
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "newsmon"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
