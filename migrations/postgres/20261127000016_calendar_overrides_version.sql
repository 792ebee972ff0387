-- Single-day edits (calendar_overrides, 0009) change the working-day calendar too: like
-- calendar_days and calendar_years (0013), they bump calendar_version, so every Service,
-- in this process or another, reloads its cached calendar.
-- (PostgreSQL twin of the SQLite migration of the same name.)
CREATE TRIGGER calendar_overrides_version_insert AFTER INSERT ON calendar_overrides
FOR EACH ROW EXECUTE FUNCTION calendar_version_bump();
CREATE TRIGGER calendar_overrides_version_update AFTER UPDATE ON calendar_overrides
FOR EACH ROW EXECUTE FUNCTION calendar_version_bump();
CREATE TRIGGER calendar_overrides_version_delete AFTER DELETE ON calendar_overrides
FOR EACH ROW EXECUTE FUNCTION calendar_version_bump();
