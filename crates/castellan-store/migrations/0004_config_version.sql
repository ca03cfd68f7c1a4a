-- A counter bumped, in the same transaction, by every write to the tables the flow executor
-- caches in memory (brands, flows, stages, flow bindings, policies, policy bindings). A process
-- compares it with the value its cache was filled at, so a change made by another process (a
-- second server, `castellan blueprint apply`) is seen at the next request.
CREATE TABLE castellan_config_version (
    id INTEGER PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO castellan_config_version (id, version) VALUES (1, 1);
{{CONFIG_TRIGGERS}}
