-- The distinct searchable values of each tenant's log, per field (see LogTerms): contains() searches these few
-- thousand names through a small trigram index, then reads the matching values' (tenant, column, seq) indexes.
-- Written in the same transaction as the entries, so a value is here before any entry holding it is visible. They
-- replace the trigram indexes over every entry and target, which each write paid for and whose posting lists for
-- common trigrams (digits, "use", "@co") made a rare search intersect millions of rows.
create table directory_audit_terms (
    tenant_id uuid     not null,
    field     smallint not null,
    value     text     collate "C" not null,
    primary key (tenant_id, field, value)
);
create index ix_directory_audit_terms_text on directory_audit_terms using gin (value gin_trgm_ops);

insert into directory_audit_terms (tenant_id, field, value)
    select distinct tenant_id, 1::smallint, activity from directory_audits;
insert into directory_audit_terms (tenant_id, field, value)
    select distinct tenant_id, 2::smallint, initiator_user_name from directory_audits where initiator_user_name is not null;
insert into directory_audit_terms (tenant_id, field, value)
    select distinct tenant_id, 3::smallint, initiator_upn from directory_audits where initiator_upn is not null;
insert into directory_audit_terms (tenant_id, field, value)
    select distinct tenant_id, 4::smallint, initiator_app_name from directory_audits where initiator_app_name is not null;
insert into directory_audit_terms (tenant_id, field, value)
    select distinct tenant_id, 5::smallint, display_name from directory_audit_targets where display_name is not null;
insert into directory_audit_terms (tenant_id, field, value)
    select distinct tenant_id, 6::smallint, upn from directory_audit_targets where upn is not null;

drop index ix_directory_audits_text;
drop index ix_directory_audit_targets_text;
