-- Verity schema 2 for SQLite: an index behind every supported $filter (issue 4), as on PostgreSQL.
-- Each filterable column gets (tenant_id, column, seq): equality and prefix filters (BINARY collation, so a
-- startswith is an index range) read their matches in commit order. contains() has no index here: it tests the
-- promoted columns (never JSON) while walking the commit-order key; PostgreSQL answers it from trigram indexes.

create index ix_directory_audits_activity    on directory_audits (tenant_id, activity, seq);
create index ix_directory_audits_category    on directory_audits (tenant_id, category, seq);
create index ix_directory_audits_result      on directory_audits (tenant_id, result, seq);
create index ix_directory_audits_service     on directory_audits (tenant_id, service, seq);
create index ix_directory_audits_operation   on directory_audits (tenant_id, operation_type, seq);
create index ix_directory_audits_correlation on directory_audits (tenant_id, correlation_id, seq);
create index ix_directory_audits_user_id   on directory_audits (tenant_id, initiator_user_id, seq)   where initiator_user_id is not null;
create index ix_directory_audits_user_name on directory_audits (tenant_id, initiator_user_name, seq) where initiator_user_name is not null;
create index ix_directory_audits_user_upn  on directory_audits (tenant_id, initiator_upn, seq)       where initiator_upn is not null;
create index ix_directory_audits_app_id    on directory_audits (tenant_id, initiator_app_id, seq)    where initiator_app_id is not null;
create index ix_directory_audits_app_name  on directory_audits (tenant_id, initiator_app_name, seq)  where initiator_app_name is not null;
create index ix_directory_audits_sp_id     on directory_audits (tenant_id, initiator_sp_id, seq)     where initiator_sp_id is not null;

drop index ix_directory_audit_targets_id;
create index ix_directory_audit_targets_id   on directory_audit_targets (tenant_id, target_id, seq)    where target_id is not null;
create index ix_directory_audit_targets_name on directory_audit_targets (tenant_id, display_name, seq) where display_name is not null;
create index ix_directory_audit_targets_type on directory_audit_targets (tenant_id, type, seq);
create index ix_directory_audit_targets_upn  on directory_audit_targets (tenant_id, upn, seq)          where upn is not null;

create table directory_audit_properties (
    tenant_id text    not null,
    seq       integer not null,
    ordinal   integer not null,
    name      text    not null,
    primary key (tenant_id, seq, ordinal, name)
) without rowid;
create index ix_directory_audit_properties_name on directory_audit_properties (tenant_id, name, seq);

create trigger directory_audit_properties_no_update before update on directory_audit_properties
begin select raise(abort, 'directory_audit_properties is append-only'); end;
create trigger directory_audit_properties_no_delete before delete on directory_audit_properties
begin select raise(abort, 'directory_audit_properties is append-only'); end;
