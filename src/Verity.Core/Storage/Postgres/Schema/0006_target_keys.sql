-- Target names and UPNs are found through the target's id (see TargetKeys), as on SQLite: an index keyed by name took
-- an entry per target per change, at that name's own place. This table records which target ids ever carried a value
-- (field as in directory_audit_terms: 5 display name, 6 UPN); it gains a row only when a pair is new.
create table directory_audit_target_keys (
    tenant_id uuid     not null,
    field     smallint not null,
    value     text     collate "C" not null,
    target_id text     collate "C" not null,
    primary key (tenant_id, field, value, target_id)
);

insert into directory_audit_target_keys (tenant_id, field, value, target_id)
    select distinct tenant_id, 5::smallint, display_name, target_id from directory_audit_targets where display_name is not null and target_id is not null;
insert into directory_audit_target_keys (tenant_id, field, value, target_id)
    select distinct tenant_id, 6::smallint, upn, target_id from directory_audit_targets where upn is not null and target_id is not null;

-- Only targets without an id (a failed "Add user" names what it could not create) are still indexed by value.
drop index ix_directory_audit_targets_name;
drop index ix_directory_audit_targets_upn;
create index ix_directory_audit_targets_name on directory_audit_targets (tenant_id, display_name, seq) where display_name is not null and target_id is null;
create index ix_directory_audit_targets_upn  on directory_audit_targets (tenant_id, upn, seq)          where upn is not null and target_id is null;
