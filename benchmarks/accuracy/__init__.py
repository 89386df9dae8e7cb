"""How well the generic profile reads real outlets, beside the best extractors on the same input
(issue 19; figures and how to get each corpus: docs/accuracy.md).

    python -m benchmarks.accuracy CORPUS_DIR... [--json FIGURES.json]

Each CORPUS_DIR is recognised by what it holds, and measured by the module of its kind:

- `eval_default.json` and pages (htmldate's tests/): written days, beside htmldate (`dates`);
- `evaldata.json` and pages (trafilatura's tests/): story bodies, beside trafilatura (`bodies`);
- feed files (`*.xml`, `*.rss`, `*.atom`, `*.rdf`; feed readers' test data): entries, links,
  titles and instants, beside feedparser (`feeds`);
"""
