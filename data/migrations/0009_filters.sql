-- Per-subscription filters: a group can take only some items. Words are
-- comma-separated; include keeps items with any of them in the title or
-- body, exclude drops items with any of them. subscriptions.source may now
-- list several sources, comma-separated.
ALTER TABLE subscriptions ADD COLUMN include_words TEXT NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN exclude_words TEXT NOT NULL DEFAULT '';
