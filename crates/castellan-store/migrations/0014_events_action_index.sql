-- `events_event_action_created` (action, created) answers every lookup by action that
-- `events_event_action` (action) did, so the narrower index only cost a page write per event
-- (every login, token grant and model change writes one).
DROP INDEX events_event_action;
