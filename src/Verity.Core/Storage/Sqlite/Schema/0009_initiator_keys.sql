-- An initiator's display name, UPN and service principal are found through the initiator's id (see InitiatorKeys), as
-- target names are through target ids: their indexes took an entry each per audited change. This table records which
-- user or application ids ever carried a value (field: 2 user display name, 3 UPN, 4 app display name, 7 service
-- principal id); it gains a row only when a pair is new.
create table directory_audit_initiator_keys (
    tenant_id    text    not null,
    field        integer not null,
    value        text    not null,
    initiator_id text    not null,
    primary key (tenant_id, field, value, initiator_id)
) without rowid;

insert or ignore into directory_audit_initiator_keys (tenant_id, field, value, initiator_id)
    select tenant_id, 2, initiator_user_name, initiator_user_id from directory_audits where initiator_user_name is not null and initiator_user_id is not null
    union select tenant_id, 3, initiator_upn, initiator_user_id from directory_audits where initiator_upn is not null and initiator_user_id is not null
    union select tenant_id, 4, initiator_app_name, initiator_app_id from directory_audits where initiator_app_name is not null and initiator_app_id is not null
    union select tenant_id, 7, initiator_sp_id, initiator_app_id from directory_audits where initiator_sp_id is not null and initiator_app_id is not null;

-- Only entries without the id are still indexed by value.
drop index ix_directory_audits_user_name;
drop index ix_directory_audits_user_upn;
drop index ix_directory_audits_app_name;
drop index ix_directory_audits_sp_id;
create index ix_directory_audits_user_name on directory_audits (tenant_id, initiator_user_name, seq) where initiator_user_name is not null and initiator_user_id is null;
create index ix_directory_audits_user_upn  on directory_audits (tenant_id, initiator_upn, seq)       where initiator_upn is not null and initiator_user_id is null;
create index ix_directory_audits_app_name  on directory_audits (tenant_id, initiator_app_name, seq)  where initiator_app_name is not null and initiator_app_id is null;
create index ix_directory_audits_sp_id     on directory_audits (tenant_id, initiator_sp_id, seq)     where initiator_sp_id is not null and initiator_app_id is null;
