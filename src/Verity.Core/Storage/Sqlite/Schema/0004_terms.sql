-- The distinct searchable values of each tenant's log, per field (see LogTerms): contains() searches these few
-- thousand names instead of millions of entries, then reads the matching values' (tenant, column, seq) indexes.
-- Written in the same transaction as the entries, so a value is here before any entry holding it is visible.
create table directory_audit_terms (
    tenant_id text    not null,
    field     integer not null,
    value     text    not null,
    primary key (tenant_id, field, value)
) without rowid;

insert or ignore into directory_audit_terms (tenant_id, field, value)
    select tenant_id, 1, activity from directory_audits group by tenant_id, activity;
insert or ignore into directory_audit_terms (tenant_id, field, value)
    select tenant_id, 2, initiator_user_name from directory_audits where initiator_user_name is not null group by tenant_id, initiator_user_name;
insert or ignore into directory_audit_terms (tenant_id, field, value)
    select tenant_id, 3, initiator_upn from directory_audits where initiator_upn is not null group by tenant_id, initiator_upn;
insert or ignore into directory_audit_terms (tenant_id, field, value)
    select tenant_id, 4, initiator_app_name from directory_audits where initiator_app_name is not null group by tenant_id, initiator_app_name;
insert or ignore into directory_audit_terms (tenant_id, field, value)
    select tenant_id, 5, display_name from directory_audit_targets where display_name is not null group by tenant_id, display_name;
insert or ignore into directory_audit_terms (tenant_id, field, value)
    select tenant_id, 6, upn from directory_audit_targets where upn is not null group by tenant_id, upn;
