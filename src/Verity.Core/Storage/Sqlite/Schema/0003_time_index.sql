-- A time window is read newest first by commit order: with seq in the index, its matches are sorted from the index
-- alone instead of fetching each row (a 1-hour window of a busy tenant is thousands of rows).
drop index ix_directory_audits_time;
create index ix_directory_audits_time on directory_audits (tenant_id, activity_at, seq);
