"""newsmon's spiders: they decide what to request next and leave reading pages to parsers."""
