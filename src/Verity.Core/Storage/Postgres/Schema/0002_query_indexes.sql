-- Verity schema 2 for PostgreSQL: an index behind every supported $filter (issue 4).
--
-- Each filterable column gets a B-tree on (tenant_id, column, seq): an equality or prefix filter then reads its
-- matches already in commit order, so a first page costs one index descent plus $top rows whatever the filter's
-- selectivity, and a skiptoken continues with seq < @after inside the same index range. Initiator columns are
-- either a user's or an app's, so their indexes are partial and each row enters only the three that apply.
-- Text compares byte-wise (collation "C"): exactly OData's case-sensitive semantics, and what lets startswith be an
-- index range. contains() is answered by trigram GIN indexes (pg_trgm, a trusted extension since PostgreSQL 13).

create extension if not exists pg_trgm;

alter table directory_audits
    alter column category            type text collate "C",
    alter column activity            type text collate "C",
    alter column result              type text collate "C",
    alter column service             type text collate "C",
    alter column operation_type      type text collate "C",
    alter column correlation_id      type text collate "C",
    alter column initiator_user_id   type text collate "C",
    alter column initiator_user_name type text collate "C",
    alter column initiator_upn       type text collate "C",
    alter column initiator_app_id    type text collate "C",
    alter column initiator_app_name  type text collate "C",
    alter column initiator_sp_id     type text collate "C";

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
-- One multi-column GIN serves contains() on every text an admin searches in; the tenant is checked on the heap row.
create index ix_directory_audits_text on directory_audits using gin
    (activity gin_trgm_ops, initiator_user_name gin_trgm_ops, initiator_upn gin_trgm_ops, initiator_app_name gin_trgm_ops);

alter table directory_audit_targets
    alter column target_id    type text collate "C",
    alter column display_name type text collate "C",
    alter column type         type text collate "C",
    alter column upn          type text collate "C";
drop index ix_directory_audit_targets_id;
create index ix_directory_audit_targets_id   on directory_audit_targets (tenant_id, target_id, seq)    where target_id is not null;
create index ix_directory_audit_targets_name on directory_audit_targets (tenant_id, display_name, seq) where display_name is not null;
create index ix_directory_audit_targets_type on directory_audit_targets (tenant_id, type, seq);
create index ix_directory_audit_targets_upn  on directory_audit_targets (tenant_id, upn, seq)          where upn is not null;
create index ix_directory_audit_targets_text on directory_audit_targets using gin (display_name gin_trgm_ops, upn gin_trgm_ops);

-- The names of each target's modified properties, for targetResources/any(t: t/modifiedProperties/any(p: …)).
create table directory_audit_properties (
    tenant_id uuid     not null,
    seq       bigint   not null,
    ordinal   smallint not null,
    name      text     collate "C" not null,
    primary key (tenant_id, seq, ordinal, name)
);
create index ix_directory_audit_properties_name on directory_audit_properties (tenant_id, name, seq);

create trigger directory_audit_properties_append_only before update or delete on directory_audit_properties
    for each row execute function verity_refuse_log_change();
create trigger directory_audit_properties_no_truncate before truncate on directory_audit_properties
    for each statement execute function verity_refuse_log_change();
revoke update, delete, truncate on directory_audit_properties from public;
