"""The date-accuracy harness keeps working (issue 19): on a corpus laid out as htmldate's
(eval_default.json and eval/) made of newsmon's own saved pages (tests/pages/generic), their
gold days taken from the expected values written by hand beside them, it measures every figure.
Nothing here judges how good the figures are: they are for people (docs/accuracy.md), measured
on the public corpora, which stay out of the repository."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import accuracy_figures

REPO = Path(__file__).resolve().parents[1]
PAGES = REPO / "tests" / "pages" / "generic"


def own_corpus(folder: Path) -> int:
    """Lay out the saved pages that have a written time as htmldate's corpus is laid out (one
    of them gzip'd, as htmldate keeps some); how many pages."""
    (folder / "eval").mkdir()
    gold = {}
    for n, page in enumerate(sorted(PAGES.glob("*.html"))):
        expected = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
        if not expected.get("written_at"):
            continue
        target = folder / "eval" / page.name
        if n == 0:
            target.with_name(page.name + ".gz").write_bytes(gzip.compress(page.read_bytes()))
        else:
            shutil.copyfile(page, target)
        gold[expected["url"]] = {"file": page.name, "date": expected["written_at"][:10]}
    (folder / "eval_default.json").write_text(json.dumps(gold), encoding="utf-8")
    return len(gold)


def test_the_harness_measures_every_figure(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    pages = own_corpus(corpus)
    every, printed = accuracy_figures(corpus, tmp_path / "accuracy.json")
    figures = every["dates"]
    assert figures["pages"] == pages >= 4
    readers = figures["readers"]
    assert set(readers) == {"newsmon", "htmldate fast", "htmldate extensive"}
    for name, s in readers.items():
        assert s["pages"] == pages, name  # every reader on the same pages
        assert 0 <= s["right"] <= s["answered"] <= s["pages"], name
        for figure in ("accuracy", "precision", "coverage"):
            assert 0.0 <= s[figure] <= 1.0, (name, figure)
    # Every page is a story stored or a failure recorded, and only stored stories have a day.
    assert figures["stored"] + sum(figures["lost"].values()) == pages
    assert readers["newsmon"]["answered"] == figures["stored"]
    assert 0 <= figures["utc_day_off"] <= figures["stored"]
    for name in readers:
        assert name in printed


def test_a_missing_corpus_says_where_to_get_it(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.accuracy", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "github.com/adbar/htmldate" in done.stderr
    assert "github.com/adbar/trafilatura" in done.stderr


def own_bodies_corpus(folder: Path) -> int:
    """Lay out the saved pages that have a body as trafilatura's corpus is laid out (evaldata.json,
    pages under eval/ and one under cache/), each with its body's first and last paragraphs as
    the text to find and its footer as text to leave out; how many pages."""
    (folder / "eval").mkdir()
    (folder / "cache").mkdir()
    gold = {}
    for n, page in enumerate(sorted(PAGES.glob("*.html"))):
        expected = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
        if not expected.get("body"):
            continue
        shutil.copyfile(page, folder / ("cache" if n == 0 else "eval") / page.name)
        paras = expected["body"].split("\n\n")
        gold[expected["url"]] = {
            "file": page.name,
            "with": sorted({paras[0][:40], paras[-1][-40:]}),
            "without": ["© 2026"],
        }
    (folder / "evaldata.json").write_text(json.dumps(gold), encoding="utf-8")
    return len(gold)


def test_the_bodies_harness_measures_every_figure(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    pages = own_bodies_corpus(corpus)
    every, printed = accuracy_figures(corpus, tmp_path / "accuracy.json")
    figures = every["bodies"]
    assert figures["pages"] == pages >= 6
    readers = figures["readers"]
    assert set(readers) == {"newsmon", "trafilatura default", "trafilatura, its options"}
    gold = json.loads((corpus / "evaldata.json").read_text(encoding="utf-8")).values()
    wanted = sum(len(g["with"]) for g in gold)
    for name, s in readers.items():
        assert s["pages"] == pages, name  # every reader on the same pages
        assert 0 <= s["without_text"] <= pages, name
        assert s["tp"] + s["fn"] == wanted, name
        assert s["fp"] + s["tn"] == pages, name  # one text to leave out a page
        for figure in ("precision", "recall", "f1"):
            assert 0.0 <= s[figure] <= 1.0, (name, figure)
        assert s["cpu_ms_per_page"] > 0 and s["cpu_ratio"] > 0, name
        assert name in printed
    # Every page is a story stored or a failure recorded; these pages are all stories, each
    # with its feed's time standing in where it has none (feedtime).
    assert figures["stored"] + sum(figures["lost"].values()) == pages
    assert figures["stored"] == pages
    # The gold is newsmon's own expected bodies: all found, no footer kept.
    mine = readers["newsmon"]
    assert (mine["tp"], mine["fp"], mine["without_text"]) == (wanted, 0, 0)
    assert mine["precision"] == mine["recall"] == mine["f1"] == 1.0
