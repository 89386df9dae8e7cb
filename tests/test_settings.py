"""Safe and polite defaults, as both `newsmon crawl` and `scrapy crawl` read them."""

import subprocess
import sys

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


TELNET = "scrapy.extensions.telnet.TelnetConsole"
REMOTE = "scrapy.extensions.remote_control.RemoteControl"
COOKIES = "scrapy.downloadermiddlewares.cookies.CookiesMiddleware"


def test_components_that_are_off_are_left_out_and_come_back_when_asked_for() -> None:
    # Scrapy imports every component its lists name, even one that is off (aiohttp for remote
    # control: 0.1 s of each cron run); newsmon leaves them out while they are off.
    settings = project_settings()
    extensions = settings.get_component_priority_dict_with_base("EXTENSIONS")
    middlewares = settings.get_component_priority_dict_with_base("DOWNLOADER_MIDDLEWARES")
    assert TELNET not in extensions and REMOTE not in extensions and COOKIES not in middlewares
    assert "scrapy.extensions.throttle.AutoThrottle" in extensions
    asked = project_settings(
        {"TELNETCONSOLE_ENABLED": "true", "REMOTE_CONTROL_ENABLED": "1", "COOKIES_ENABLED": "True"}
    )
    assert TELNET in asked.get_component_priority_dict_with_base("EXTENSIONS")
    assert REMOTE in asked.get_component_priority_dict_with_base("EXTENSIONS")
    assert COOKIES in asked.get_component_priority_dict_with_base("DOWNLOADER_MIDDLEWARES")
    # Each call starts from Scrapy's own lists: the first left nothing out of them for good.
    assert TELNET not in project_settings().get_component_priority_dict_with_base("EXTENSIONS")


def test_scrapy_tls_aliases_still_name_their_module_and_inspect_is_given_back() -> None:
    # A fresh process: here, the modules may have been imported already.
    probe = (
        "import inspect; real = inspect.stack; import newsmon.runner; "
        "from scrapy.core.downloader import contextfactory, tls; "
        "print(inspect.stack is real, contextfactory.ScrapyClientContextFactory.__module__, "
        "contextfactory.AcceptableProtocolsContextFactory.__module__, "
        "tls.ScrapyClientTLSOptions.__module__)"
    )
    shown = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    assert shown == [
        "True",
        "scrapy.core.downloader.contextfactory",
        "scrapy.core.downloader.contextfactory",
        "scrapy.core.downloader.tls",
    ]
