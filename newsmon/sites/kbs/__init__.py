"""The KBS WORLD profile: everything specific to the site, its URLs and how its pages are read.

The outlet itself (what a crawl reads, in what order) is in `profile.py`.
"""
