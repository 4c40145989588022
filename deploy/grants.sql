-- The application's role on the store (PostgreSQL): reads and writes, but the audit is insert-only.
-- Run by the owner role (the one that runs `zhanwu migrate` and owns the tables) after every migration;
-- it is idempotent. The role zhanwu_app must exist (CREATE ROLE zhanwu_app LOGIN PASSWORD '…').
GRANT USAGE ON SCHEMA public TO zhanwu_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO zhanwu_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO zhanwu_app;
-- the audit: INSERT and SELECT only; its chain's head is updated by each append, never deleted
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit FROM zhanwu_app;
REVOKE DELETE, TRUNCATE ON audit_head FROM zhanwu_app;
-- title search (migration 0009, pg_trgm): the owner's index serves the application's SELECTs, nothing to grant
-- the schema stays the owner's
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
