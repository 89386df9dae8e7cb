"""newsmon's own crawler signals (sent through `crawler.signals`, like Scrapy's)."""

# A page could not become a story. Argument: failure (newsmon.items.PageFailure).
page_failed = object()
