"""Safe and polite defaults, as both `newsmon crawl` and `scrapy crawl` read them."""

from newsmon.runner import project_settings


def test_secure_and_polite_defaults() -> None:
    settings = project_settings()
    assert settings.getbool("ROBOTSTXT_OBEY")
    assert not settings.getbool("TELNETCONSOLE_ENABLED")
    assert not settings.getbool("REMOTE_CONTROL_ENABLED")
    assert not settings.getbool("COOKIES_ENABLED")
    assert 0 < settings.getint("DOWNLOAD_MAXSIZE") <= 10 * 1024 * 1024
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
    assert settings.getfloat("DOWNLOAD_DELAY") >= 1
    assert settings.getbool("AUTOTHROTTLE_ENABLED")
    user_agent = settings.get("USER_AGENT")
    assert user_agent.startswith("newsmon/") and "+https://" in user_agent


def test_overrides_win_as_scrapy_crawl_s_does() -> None:
    settings = project_settings({"DOWNLOAD_DELAY": "0", "ROBOTSTXT_OBEY": "False"})
    assert settings.getfloat("DOWNLOAD_DELAY") == 0
    assert not settings.getbool("ROBOTSTXT_OBEY")
