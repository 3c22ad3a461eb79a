-- A target's modified property names are stored as one set key (see PropertySets): a row per property cost an
-- "Add group" five rows and ten index entries. directory_audit_property_sets lists each set's names once per tenant;
-- a target row carries its set's key: the first 8 bytes of the SHA-256 of the sorted names joined by line feeds,
-- computed here exactly as PropertySets.KeyOf does for new rows.
create table directory_audit_property_sets (
    tenant_id uuid   not null,
    set_key   bigint not null,
    name      text   collate "C" not null,
    primary key (tenant_id, set_key, name)
);
create index ix_directory_audit_property_sets_name on directory_audit_property_sets (tenant_id, name, set_key);

alter table directory_audit_targets add column property_set bigint;

alter table directory_audit_targets disable trigger directory_audit_targets_append_only;
update directory_audit_targets t set property_set = s.set_key
from (
    select tenant_id, seq, ordinal,
           ('x' || left(encode(sha256(convert_to(string_agg(name, E'\n' order by name), 'UTF8')), 'hex'), 16))::bit(64)::bigint as set_key
    from directory_audit_properties
    group by tenant_id, seq, ordinal
) s
where s.tenant_id = t.tenant_id and s.seq = t.seq and s.ordinal = t.ordinal;
alter table directory_audit_targets enable trigger directory_audit_targets_append_only;

insert into directory_audit_property_sets (tenant_id, set_key, name)
    select distinct t.tenant_id, t.property_set, p.name from directory_audit_targets t
    join directory_audit_properties p on p.tenant_id = t.tenant_id and p.seq = t.seq and p.ordinal = t.ordinal;

create index ix_directory_audit_targets_properties on directory_audit_targets (tenant_id, property_set, seq) where property_set is not null;

drop table directory_audit_properties;
