"""newsmon: a scheduled news-monitoring crawler."""

__version__ = "0.2.0"
# Named in the User-Agent, so a site's operators can find out who is crawling and why.
__url__ = "https://github.com/newsmon/newsmon"
