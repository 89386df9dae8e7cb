"""Site profiles: how newsmon watches each kind of site.

The core (spider, pipelines, storage, ledger, queries, CLI) knows sites only through this
registry and the interface in `newsmon.sites.base`; a test checks that it imports no profile.
A profile is loaded when an outlet names it. To add a built-in profile, add a package beside
`kbs` and `generic` with a `Site` subclass, and name it here (see docs/profiles.md).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

from newsmon.sites.base import Site

# Profile name -> "module:class" of its Site.
PROFILES: Mapping[str, str] = {
    "kbs": "newsmon.sites.kbs.profile:KbsSite",
    "generic": "newsmon.sites.generic.profile:GenericSite",
}


def site(name: str) -> type[Site]:
    """The profile called `name`; KeyError for one that does not exist."""
    module, _, attribute = PROFILES[name].partition(":")
    loaded: type[Site] = getattr(importlib.import_module(module), attribute)
    return loaded


def story_ids(url: str) -> list[tuple[str | None, str]]:
    """The (language, id) pairs `url` may name a stored story by, in any profile; a language
    of None matches any."""
    return [pair for name in PROFILES for pair in site(name).story_ids(url)]


def section_aliases() -> dict[str, str]:
    """Every profile's other names for its section labels (`Po` -> Politics)."""
    aliases: dict[str, str] = {}
    for name in PROFILES:
        aliases.update(site(name).section_aliases)
    return aliases
