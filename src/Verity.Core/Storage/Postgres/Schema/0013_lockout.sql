-- Smart lockout's state per tenant and sign-in name (name_key: a hash of the normalized name, whether or not a user
-- has it). failures counts failed passwords since the last success; tag1..tag3 are the last three counted ones as
-- keyed hashes (HMAC with a server-held key: never a password or a plain hash of one), so a repeat is not counted
-- again; locked_until ends the current lock; expires_at is when the row is forgotten (and pruned). State, not a log:
-- rows are updated in place, under the row lock of one upsert, so servers sharing the database lose no count.
create table sign_in_lockouts (
    tenant_id    uuid        not null,
    name_key     text        not null,
    failures     int         not null,
    locked_until timestamptz,
    expires_at   timestamptz not null,
    tag1         bytea,
    tag2         bytea,
    tag3         bytea,
    primary key (tenant_id, name_key)
);
create index ix_sign_in_lockouts_expires on sign_in_lockouts (expires_at);
