"""What the read commands give for a story and for a revision: the columns, in order."""

from newsmon.items import CONTENT_FIELDS, IDENTITY_FIELDS, STORY_FIELDS

STORY_COLUMNS = (*STORY_FIELDS, "revision", "first_seen_at", "last_seen_at")
REVISION_COLUMNS = (*IDENTITY_FIELDS, "revision", "kind", *CONTENT_FIELDS, "seen_at")
