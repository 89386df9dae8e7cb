"""Channel URLs kept out of the database, in files only the crawl's user may read.

Notification URLs hold tokens and passwords, and a database is read by more people and tools
than the crawl that writes it (analysts, Datasette, backups). So a URL given to `watch add
--notify` as it is goes to a file of its own in a folder beside the database, `news.db.secrets/`,
and the database keeps only `secret:KEY` (the file's name) and the URL's masked form. The folder
is made 0700 and each file 0600 by the modes given to `os.mkdir` and `os.open` (the umask can
only take permissions away), each file written whole under another name and then renamed, so no
one ever reads a partial or a readable one. A channel given as `env:NAME` or `file:PATH` keeps
its URL where the user put it.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from sqlalchemy import Connection, Engine

STORED = "secret:"
SUFFIX = ".secrets"
_KEY = re.compile(r"[0-9a-f]{32}")
FOLDER_MODE = 0o700
FILE_MODE = 0o600


class SecretError(ValueError):
    """A URL that cannot be kept or found; the message names no secret."""


class SecretStore:
    """The folder of one database's channel URLs, one file each."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def put(self, url: str) -> str:
        """Keep `url` in a new private file; returns the reference the database stores."""
        try:
            os.mkdir(self.folder, FOLDER_MODE)
        except FileExistsError:
            if not self.folder.is_dir():
                raise SecretError(
                    f"{self.folder} is not a folder: no channel URL can be kept"
                ) from None
        except OSError as exc:
            raise SecretError(f"cannot make {self.folder}: {exc.strerror}") from None
        key = secrets.token_hex(16)
        temp = self.folder / f".{key}.part"
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    out.write(url + "\n")
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(temp, self.folder / key)
            finally:
                temp.unlink(missing_ok=True)
            # The rename itself is durable only once the folder is.
            folder = os.open(self.folder, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)
        except OSError as exc:
            raise SecretError(f"cannot write in {self.folder}: {exc.strerror}") from None
        return STORED + key

    def _path(self, reference: str) -> Path:
        key = reference.removeprefix(STORED)
        if not reference.startswith(STORED) or not _KEY.fullmatch(key):
            raise SecretError(f"{reference!r} is not a reference newsmon made")
        return self.folder / key

    def get(self, reference: str) -> str:
        """The URL `reference` (`secret:KEY`) names."""
        path = self._path(reference)
        try:
            return path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            raise SecretError(
                f"its URL is not in {self.folder} (was the database copied without that "
                "folder? remove the watch and add it again)"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or "not UTF-8 text"
            raise SecretError(f"cannot read {path}: {reason}") from None

    def drop(self, reference: str) -> None:
        """Forget the URL `reference` names (a removed watch's)."""
        self._path(reference).unlink(missing_ok=True)


def store_of(bind: Engine | Connection) -> SecretStore | None:
    """The store beside the SQLite file behind `bind`; None for a database that is no file (an
    in-memory one, another dialect's server), which keeps no URLs."""
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return store_of(conn)
    if bind.dialect.name != "sqlite":
        return None
    # The file as SQLite opened it, however the engine names it (a path, a read-only URI).
    for _seq, name, file in bind.exec_driver_sql("PRAGMA database_list"):
        if name == "main" and file:
            return SecretStore(Path(file + SUFFIX))
    return None
