-- Kept reports and trend points carry the version of the figures' definitions they were
-- computed under (report::figures::DEFINITIONS_VERSION). A release that changes what a
-- figure counts, or the report's layout, raises the version, and what an earlier release
-- kept is computed again instead of being read back. Rows kept before this migration carry
-- 0: they are computed again once.
ALTER TABLE report_cache ADD COLUMN figures BIGINT NOT NULL DEFAULT 0;
ALTER TABLE report_months ADD COLUMN figures BIGINT NOT NULL DEFAULT 0;
