"""One crawl at a time per database, and one sender of alerts.

Each lock is an OS file lock (through `filelock`), so a run that is killed releases it with its
process and never blocks the next one. Beside it, a small JSON file says who holds it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from sqlalchemy.engine import make_url

from newsmon.db.engine import database_url

CRAWL = ".lock"
# Apart from the crawl's: sending alerts (which may wait on slow channels) never makes the next
# crawl skip its turn.
ALERTS = ".alerts.lock"


def lock_path(db: str, suffix: str = CRAWL) -> Path:
    """`news.db` -> `news.db.lock` beside it; a server database gets one in the temp folder."""
    url = make_url(database_url(db))
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).with_name(Path(url.database).name + suffix)
    digest = hashlib.sha256(url.render_as_string(hide_password=True).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"newsmon-{digest}{suffix}"


class CrawlLock:
    def __init__(self, db: str, suffix: str = CRAWL) -> None:
        self.path = lock_path(db, suffix)
        self.info_path = self.path.with_name(self.path.name + ".json")
        self._lock = FileLock(self.path, timeout=0, thread_local=False)

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire()
        except Timeout:
            return False
        return True

    def describe(self, **holder: Any) -> None:
        """Say who holds the lock (written once held)."""
        self.info_path.write_text(json.dumps({"pid": os.getpid(), **holder}), encoding="utf-8")

    def holder(self) -> str:
        try:
            info = json.loads(self.info_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return "another run"
        run = f"run {info['run_id']}" if info.get("run_id") else "a process"
        return f"{run} (pid {info.get('pid', '?')}, started {info.get('started_at', '?')})"

    def release(self) -> None:
        if self._lock.is_locked:
            self.info_path.unlink(missing_ok=True)
            self._lock.release()
