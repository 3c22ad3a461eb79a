-- A target's modified property names are stored as one set key (see PropertySets): a row per property cost an
-- "Add group" five rows and ten index entries. directory_audit_property_sets lists each set's names once per tenant;
-- a target row carries its set's key. verity_property_set() is the application's own key function (SqliteStore
-- registers it for the migrations), so the rows converted here carry the keys new rows get.
create table directory_audit_property_sets (
    tenant_id text    not null,
    set_key   integer not null,
    name      text    not null,
    primary key (tenant_id, set_key, name)
) without rowid;
create index ix_directory_audit_property_sets_name on directory_audit_property_sets (tenant_id, name, set_key);

alter table directory_audit_targets add column property_set integer;

drop trigger directory_audit_targets_no_update;
update directory_audit_targets set property_set = (
    select verity_property_set(group_concat(p.name, char(10) order by p.name))
    from directory_audit_properties p
    where p.tenant_id = directory_audit_targets.tenant_id and p.seq = directory_audit_targets.seq and p.ordinal = directory_audit_targets.ordinal);
create trigger directory_audit_targets_no_update before update on directory_audit_targets
begin select raise(abort, 'directory_audit_targets is append-only'); end;

insert or ignore into directory_audit_property_sets (tenant_id, set_key, name)
    select t.tenant_id, t.property_set, p.name from directory_audit_targets t
    join directory_audit_properties p on p.tenant_id = t.tenant_id and p.seq = t.seq and p.ordinal = t.ordinal;

create index ix_directory_audit_targets_properties on directory_audit_targets (tenant_id, property_set, seq) where property_set is not null;

drop trigger directory_audit_properties_no_update;
drop trigger directory_audit_properties_no_delete;
drop table directory_audit_properties;
