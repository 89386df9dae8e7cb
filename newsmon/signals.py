"""newsmon's own crawler signals (sent through `crawler.signals`, like Scrapy's)."""

# A page could not become a story. Arguments: url, stage ("fetch" | "parse"), kind (a short
# slug such as "http_404" or "no_body"), reason (a sentence for people).
page_failed = object()
