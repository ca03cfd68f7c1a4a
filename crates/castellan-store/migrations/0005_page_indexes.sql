-- Indexes for the admin interface's lists on large installs: the event log filtered by action
-- and newest first (`/if/admin/events/?action=login`) stops after one page instead of sorting
-- every event of that action.
CREATE INDEX events_event_action_created ON events_event (action, created);
