"""python -m benchmarks.accuracy CORPUS_DIR... [--json FIGURES.json]: see the package's doc."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from types import ModuleType

import benchmarks.accuracy as package
from benchmarks.accuracy import bodies, dates, feeds

# Each kind of corpus: NAME, WHERE (how to get it), recognises(dir), measure(dirs) -> results
# with as_dict(), report(results) -> str.
KINDS: tuple[ModuleType, ...] = (dates, bodies, feeds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=(package.__doc__ or "").split("\n\n")[0],
        epilog="\n".join(f"{kind.NAME}: {kind.WHERE}" for kind in KINDS),
    )
    parser.add_argument("corpus", nargs="+", type=Path, metavar="CORPUS_DIR")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    found: dict[ModuleType, list[Path]] = {}
    for corpus in args.corpus:
        kind = next((k for k in KINDS if k.recognises(corpus)), None)
        if kind is None:
            wanted = "; ".join(f"{k.NAME}: {k.WHERE}" for k in KINDS)
            print(
                f"{corpus} is no corpus newsmon can measure on (get one: {wanted})", file=sys.stderr
            )
            return 2
        found.setdefault(kind, []).append(corpus)
    figures = {}
    for kind, corpora in found.items():
        results = kind.measure(corpora)
        print(f"## {kind.NAME}\n\n{kind.report(results)}\n")
        figures[kind.__name__.rsplit(".", 1)[1]] = results.as_dict()
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
