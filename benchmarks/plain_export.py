"""What `newsmon export --format csv` is measured against: Python's csv module writing the same
columns of every story, oldest first, from a plain sqlite3 cursor.

    python benchmarks/plain_export.py DB OUT.csv
"""

from __future__ import annotations

import csv
import sqlite3
import sys

from newsmon.records import STORY_COLUMNS


def main(db: str, out: str) -> None:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    columns = ", ".join(STORY_COLUMNS)
    rows = conn.execute(f"SELECT {columns} FROM stories ORDER BY written_at, id")  # noqa: S608 (newsmon's own column names)
    with open(out, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(STORY_COLUMNS)
        writer.writerows(rows)
    conn.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
