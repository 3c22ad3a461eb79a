-- Verity schema 1 for PostgreSQL. Applied once, inside a transaction, by PostgresStore.MigrateAsync.
-- Every key starts with tenant_id so a tenant-distributed engine can shard on it.

create table settings (
    key   text primary key,
    value text not null
);

create table tenants (
    id             uuid primary key,
    display_name   text not null,
    default_domain text not null,
    created_at     timestamptz not null
);
create unique index ux_tenants_domain on tenants (lower(default_domain));

-- Next sequence number per tenant and log. The row lock taken when numbers are reserved is held until commit,
-- so per tenant, sequence order is commit order and a rolled-back reservation leaves no gap.
create table log_heads (
    tenant_id uuid     not null,
    log       smallint not null,
    next_seq  bigint   not null,
    primary key (tenant_id, log)
);

create table directory_objects (
    tenant_id  uuid   not null,
    id         text   not null,
    kind       text   not null,
    version    bigint not null,
    lookup_key text,
    ref_id     text,
    data       text   not null,
    secrets    text   not null,
    primary key (tenant_id, id)
) with (fillfactor = 80); -- room on each page for HOT updates: a PATCH then leaves the indexes alone
create unique index ux_directory_objects_lookup on directory_objects (tenant_id, kind, lookup_key) where lookup_key is not null;
create index ix_directory_objects_kind on directory_objects (tenant_id, kind, id);
create index ix_directory_objects_ref on directory_objects (tenant_id, kind, ref_id) where ref_id is not null;

create table directory_links (
    tenant_id uuid not null,
    source_id text not null,
    relation  text not null,
    target_id text not null,
    primary key (tenant_id, source_id, relation, target_id)
);
create index ix_directory_links_target on directory_links (tenant_id, target_id);

-- The audit log: the exact JSON bytes served (bytea, never re-encoded) plus promoted columns.
create table directory_audits (
    tenant_id            uuid        not null,
    seq                  bigint      not null,
    id                   text        not null,
    id_key               bigint      not null,
    activity_at          timestamptz not null,
    category             text        not null,
    activity             text        not null,
    result               text        not null,
    service              text        not null,
    operation_type       text        not null,
    correlation_id       text        not null,
    initiator_user_id    text,
    initiator_user_name  text,
    initiator_upn        text,
    initiator_app_id     text,
    initiator_app_name   text,
    initiator_sp_id      text,
    json                 bytea       not null,
    primary key (tenant_id, seq)
);
-- Lookups by id go through id_key (see LogEntry.KeyOf): a time-ordered integer, so this index grows at its end.
create index ix_directory_audits_id_key on directory_audits (tenant_id, id_key);
create index ix_directory_audits_time on directory_audits (tenant_id, activity_at);

create table directory_audit_targets (
    tenant_id    uuid     not null,
    seq          bigint   not null,
    ordinal      smallint not null,
    target_id    text,
    display_name text,
    type         text     not null,
    upn          text,
    primary key (tenant_id, seq, ordinal)
);
create index ix_directory_audit_targets_id on directory_audit_targets (tenant_id, target_id);

-- Append-only, enforced by the database itself: a trigger refuses UPDATE, DELETE and TRUNCATE even for the
-- table owner, and no other role is granted more than SELECT and INSERT. Retention will be the one exception.
create function verity_refuse_log_change() returns trigger language plpgsql as $$
begin
    raise exception '% is append-only', tg_table_name using errcode = 'P0001';
end $$;
create trigger directory_audits_append_only before update or delete on directory_audits
    for each row execute function verity_refuse_log_change();
create trigger directory_audits_no_truncate before truncate on directory_audits
    for each statement execute function verity_refuse_log_change();
create trigger directory_audit_targets_append_only before update or delete on directory_audit_targets
    for each row execute function verity_refuse_log_change();
create trigger directory_audit_targets_no_truncate before truncate on directory_audit_targets
    for each statement execute function verity_refuse_log_change();
revoke update, delete, truncate on directory_audits, directory_audit_targets from public;
