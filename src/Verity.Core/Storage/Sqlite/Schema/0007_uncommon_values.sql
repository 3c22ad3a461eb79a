-- Result and service each have one value nearly every entry holds ('success', 'Core Directory'). A filter on it walks
-- the commit order and fills a page at once, so their indexes keep only the other entries (FilterSql.UncommonGuard):
-- two index entries fewer per audited change, and the rare values (failures) keep their ordered walk.
drop index ix_directory_audits_result;
create index ix_directory_audits_result on directory_audits (tenant_id, result, seq) where result <> 'success';
drop index ix_directory_audits_service;
create index ix_directory_audits_service on directory_audits (tenant_id, service, seq) where service <> 'Core Directory';
