"""The generic profile: any outlet with an RSS or Atom feed, read from the page's own metadata
(schema.org JSON-LD, Open Graph and article meta tags, `<time>` elements) and its main text."""
