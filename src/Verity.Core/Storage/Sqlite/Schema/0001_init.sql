-- Verity schema 1 for SQLite. Applied once, inside a transaction, by SqliteStore.MigrateAsync.

create table settings (
    key   text primary key,
    value text not null
) without rowid;

create table tenants (
    id             text primary key,
    display_name   text not null,
    default_domain text not null collate nocase unique,
    created_at     text not null
) without rowid;

-- Next sequence number per tenant and log. Reserving numbers here inside the commit keeps them gap-free and in
-- commit order.
create table log_heads (
    tenant_id text    not null,
    log       integer not null,
    next_seq  integer not null,
    primary key (tenant_id, log)
) without rowid;

create table directory_objects (
    tenant_id  text    not null,
    id         text    not null,
    kind       text    not null,
    version    integer not null,
    lookup_key text,
    ref_id     text,
    data       text    not null,
    secrets    text    not null,
    primary key (tenant_id, id)
);
create unique index ux_directory_objects_lookup on directory_objects (tenant_id, kind, lookup_key) where lookup_key is not null;
create index ix_directory_objects_kind on directory_objects (tenant_id, kind, id);
create index ix_directory_objects_ref on directory_objects (tenant_id, kind, ref_id) where ref_id is not null;

create table directory_links (
    tenant_id text not null,
    source_id text not null,
    relation  text not null,
    target_id text not null,
    primary key (tenant_id, source_id, relation, target_id)
) without rowid;
create index ix_directory_links_target on directory_links (tenant_id, target_id);

-- The audit log: exact JSON bytes plus promoted columns. activity_at is .NET ticks (100 ns) since 0001-01-01 UTC.
-- A rowid table on purpose: rows of about a kilobyte append at the end of the table b-tree, while the
-- (tenant_id, seq) key stays a small index (a WITHOUT ROWID table would carry the JSON in its key b-tree).
create table directory_audits (
    tenant_id            text    not null,
    seq                  integer not null,
    id                   text    not null,
    id_key               integer not null,
    activity_at          integer not null,
    category             text    not null,
    activity             text    not null,
    result               text    not null,
    service              text    not null,
    operation_type       text    not null,
    correlation_id       text    not null,
    initiator_user_id    text,
    initiator_user_name  text,
    initiator_upn        text,
    initiator_app_id     text,
    initiator_app_name   text,
    initiator_sp_id      text,
    json                 blob    not null,
    primary key (tenant_id, seq)
);
-- Lookups by id go through id_key (see LogEntry.KeyOf): a time-ordered integer, so this index grows at its end.
create index ix_directory_audits_id_key on directory_audits (tenant_id, id_key);
create index ix_directory_audits_time on directory_audits (tenant_id, activity_at);

create table directory_audit_targets (
    tenant_id    text    not null,
    seq          integer not null,
    ordinal      integer not null,
    target_id    text,
    display_name text,
    type         text    not null,
    upn          text,
    primary key (tenant_id, seq, ordinal)
) without rowid;
create index ix_directory_audit_targets_id on directory_audit_targets (tenant_id, target_id);

-- Append-only, enforced by the database itself. Retention will be the one, separately audited, exception.
create trigger directory_audits_no_update before update on directory_audits
begin select raise(abort, 'directory_audits is append-only'); end;
create trigger directory_audits_no_delete before delete on directory_audits
begin select raise(abort, 'directory_audits is append-only'); end;
create trigger directory_audit_targets_no_update before update on directory_audit_targets
begin select raise(abort, 'directory_audit_targets is append-only'); end;
create trigger directory_audit_targets_no_delete before delete on directory_audit_targets
begin select raise(abort, 'directory_audit_targets is append-only'); end;
