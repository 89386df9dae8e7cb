"""Watches and alerts: standing searches, and telling people when a story matching one appears
or changes, exactly once, on the channel they use (through Apprise: email, Slack, Discord,
Telegram, Matrix, ntfy, a webhook, ...).

A watch remembers the newest revision it has matched (as an export feed does). After a crawl,
and on `newsmon alerts send`, each watch is matched against the revisions stored since; every
match becomes an alert owed to each of its channels. Each channel then gets one notification
listing what it is owed; only when the channel accepts it are those alerts marked sent, one
commit per notification. A channel that fails keeps its alerts for the next run, so nothing is
lost, and a crash between sending and recording repeats that one notification at most.

This module stays light: `newsmon.settings` reads its defaults.
"""

# Failed tries after which a channel is reported as failing (it is still retried every run).
DEFAULT_TRIES = 3
# Seconds a channel has to connect, and again to answer, for one notification.
SEND_TIMEOUT = 30
# Seconds after which no more notifications are started in one run (those not sent wait for the
# next), the time spent finding what changed included (a second or two a story at most): with
# SEND_TIMEOUT, the most alerts can add to a crawl is MAX_TIME + 2 * SEND_TIMEOUT.
MAX_TIME = 60
# Stories listed in one notification; the rest are counted and listed by `newsmon alerts`.
MAX_LISTED = 20
