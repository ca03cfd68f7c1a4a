-- Substring search over users (`?search=` on the users list: a case-insensitive substring of the
-- username, name, email or uuid), indexed so it stays fast with 100,000 users. PostgreSQL: trigram
-- GIN indexes (pg_trgm ships with PostgreSQL, but creating it needs a privilege the database owner
-- may lack — then the search keeps working, with a sequential scan). SQLite: an FTS5 table with the
-- trigram tokenizer over the same columns, kept in step with core_user by triggers.
{{USER_SEARCH_INDEXES}}
