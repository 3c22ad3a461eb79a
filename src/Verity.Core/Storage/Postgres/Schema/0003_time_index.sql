-- A time window is read newest first by commit order: with seq in the index, its matches are sorted from the index
-- alone (an index-only scan) instead of fetching each row from the heap.
drop index ix_directory_audits_time;
create index ix_directory_audits_time on directory_audits (tenant_id, activity_at, seq);
