"""newsmon.toml: the outlets to watch.

```toml
[[outlets]]
name = "kbs-politics"      # stored as each story's source; unique
site = "kbs"               # a profile: kbs or generic
section = "Po"
```

The file is found at `--config`, else `NEWSMON_CONFIG`, else `./newsmon.toml`. Without one,
newsmon watches its built-in outlet, KBS WORLD Politics in English, as `kbs-world`. Every
mistake (an unknown key, a missing one, a duplicate name, a value a profile cannot take) is an
error naming the file, the line and the key, found before anything is fetched.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsmon import sites
from newsmon.sites.base import OptionError, Outlet

CONFIG_FILE = "newsmon.toml"
# Listing pages a run walks at most, unless told otherwise.
DEFAULT_MAX_PAGES = 3
CONFIG_ENV = "NEWSMON_CONFIG"
# What newsmon watches without a config file; its name is the source of every story it stores.
BUILTIN: Mapping[str, Any] = {"name": "kbs-world", "site": "kbs"}
# Options the command line may give the built-in outlet only; others (base_url) apply to every
# outlet whose profile takes them.
BUILTIN_ONLY = frozenset({"section", "lang"})
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
_COMMON = ("name", "site")


class ConfigError(ValueError):
    """A mistake in the config file, with where it is."""

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")


class OverrideError(ValueError):
    """An option given on the command line (`key`) that an outlet cannot take."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Config:
    path: Path | None  # None: the built-in outlet
    outlets: tuple[Outlet, ...]

    def select(self, names: Sequence[str]) -> tuple[Outlet, ...]:
        """The outlets named (all when none are); ValueError naming an unknown one."""
        if not names:
            return self.outlets
        by_name = {o.name: o for o in self.outlets}
        for name in names:
            if name not in by_name:
                raise ValueError(f"no outlet {name!r} in {self.where}; outlets: {self.names}")
        return tuple(by_name[n] for n in dict.fromkeys(names))

    @property
    def where(self) -> str:
        return str(self.path) if self.path else "the built-in configuration"

    @property
    def names(self) -> str:
        return ", ".join(o.name for o in self.outlets)


def find(given: str | None = None) -> Path | None:
    """The config file to read: `given` (from --config or NEWSMON_CONFIG), which must exist,
    else ./newsmon.toml if there is one, else None (the built-in outlet)."""
    given = given or os.environ.get(CONFIG_ENV) or None
    if given is not None:
        path = Path(given).expanduser()
        if path.is_dir():
            inside = path / CONFIG_FILE
            hint = f" (the one in it is {inside})" if inside.is_file() else ""
            raise FileNotFoundError(f"{path} is a folder, not a config file{hint}")
        if not path.is_file():
            raise FileNotFoundError(f"no config file at {path}")
        return path
    local = Path(CONFIG_FILE)
    return local if local.is_file() else None


def load(path: Path | None, *, overrides: Mapping[str, Any] | None = None) -> Config:
    """The outlets of `path`, or the built-in one. `overrides` (from the command line) replace
    the options of every outlet whose profile takes them; with no config file they shape the
    built-in outlet."""
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    if path is None:
        return Config(None, (_outlet(Path("(built in)"), _Lines(""), 0, {**BUILTIN}, overrides),))
    for key in BUILTIN_ONLY & set(overrides):
        raise OverrideError(
            key,
            "sets the built-in outlet; with a config file, sections and languages are set per "
            "outlet (pick outlets with --outlet)",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(path, None, f"cannot read it: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(path, None, "is not UTF-8 text") from None
    return load_text(text, path, overrides=overrides)


def load_text(
    text: str, path: Path = Path("(text)"), *, overrides: Mapping[str, Any] | None = None
) -> Config:
    """The outlets of a config file's text (`path` names it in errors)."""
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        line = int(found.group(1)) if found else None
        raise ConfigError(path, line, f"not valid TOML: {reason}") from None
    lines = _Lines(text)
    for key in document:
        if key != "outlets":
            raise ConfigError(path, lines.top(key), f"unknown key {key!r} (only [[outlets]])")
    tables = document.get("outlets")
    if not isinstance(tables, list) or not tables or not all(isinstance(t, dict) for t in tables):
        raise ConfigError(path, lines.top("outlets"), "no [[outlets]] tables")
    outlets: list[Outlet] = []
    for index, table in enumerate(tables):
        outlet = _outlet(path, lines, index, table, overrides)
        if outlet.name in {o.name for o in outlets}:
            line = lines.key(index, "name")
            raise ConfigError(path, line, f"name: {outlet.name!r} names two outlets")
        outlets.append(outlet)
    return Config(path, tuple(outlets))


def _outlet(
    path: Path, lines: _Lines, index: int, table: dict[str, Any], overrides: Mapping[str, Any]
) -> Outlet:
    def fail(key: str | None, message: str) -> ConfigError:
        line = lines.key(index, key) if key else lines.table(index)
        return ConfigError(path, line, f"{key}: {message}" if key else message)

    for key in _COMMON:
        if key not in table:
            raise fail(None, f"outlet {index + 1} has no {key!r}")
    name, site_name = table["name"], table["site"]
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise fail(
            "name", "1 to 40 letters, digits, '.', '_' or '-', starting with one of the first two"
        )
    if site_name not in sites.PROFILES:
        raise fail("site", f"unknown site {site_name!r}; known: {', '.join(sites.PROFILES)}")
    site = sites.site(site_name)
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key in _COMMON:
            continue
        if key not in site.options:
            close = difflib.get_close_matches(key, site.options, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            known = ", ".join([*_COMMON, *site.options])
            raise fail(key, f"not a key of a {site_name} outlet ({known}){hint}")
        values[key] = value
    given = {k: v for k, v in overrides.items() if k in site.options}
    values.update(given)
    for key, option in site.options.items():
        if key not in values:
            if option.required:
                raise fail(None, f"outlet {name!r} needs {key!r}: {option.help}")
            values[key] = option.default
        if values[key] is None:
            continue
        try:
            values[key] = option.read(values[key])
        except ValueError as exc:
            if key in given:
                raise OverrideError(key, str(exc)) from None
            raise fail(key, str(exc)) from None
    try:
        return site.outlet(name, values)
    except OptionError as exc:  # options that do not go together
        raise fail(exc.key, str(exc)) from None


class _Lines:
    """Where things are in a TOML text, for error messages: tomllib gives values, not lines.
    Understands the layout newsmon documents ([[outlets]] tables of `key = value` lines)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.tables = [
            n for n, line in enumerate(self.lines, 1) if re.match(r"\s*\[\[\s*outlets\s*\]\]", line)
        ]

    def _find(self, key: str, span: Iterable[int]) -> int | None:
        pattern = re.compile(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=")
        return next((n for n in span if pattern.match(self.lines[n - 1])), None)

    def table(self, index: int) -> int | None:
        return self.tables[index] if index < len(self.tables) else None

    def key(self, index: int, key: str) -> int | None:
        start = self.table(index)
        if start is None:
            return None
        end = self.tables[index + 1] if index + 1 < len(self.tables) else len(self.lines) + 1
        return self._find(key, range(start + 1, end)) or start

    def top(self, key: str) -> int | None:
        end = self.tables[0] if self.tables else len(self.lines) + 1
        found = self._find(key, range(1, end))
        if found is None:
            pattern = re.compile(rf"\s*\[{re.escape(key)}\]")
            found = next((n for n, line in enumerate(self.lines, 1) if pattern.match(line)), None)
        return found
