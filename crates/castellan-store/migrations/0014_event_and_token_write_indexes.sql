-- Fewer index pages written per event and per token (every login, token grant and model change
-- writes an event; every grant writes tokens):
-- `events_event_action_created` (action, created) answers every lookup by action that
-- `events_event_action` (action) did;
-- only tokens issued from an authorization code are ever looked up by it (revocation on code
-- reuse), so the index leaves out the others (client_credentials, password, device tokens).
DROP INDEX events_event_action;
DROP INDEX providers_oauth2_token_from_code;
CREATE INDEX providers_oauth2_token_from_code ON providers_oauth2_token (from_code)
    WHERE from_code IS NOT NULL;
