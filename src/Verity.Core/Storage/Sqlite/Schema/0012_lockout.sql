-- Smart lockout's state per tenant and sign-in name (name_key: a hash of the normalized name, whether or not a user
-- has it). failures counts failed passwords since the last success; tag1..tag3 are the last three counted ones as
-- keyed hashes (HMAC with a server-held key: never a password or a plain hash of one), so a repeat is not counted
-- again; locked_until ends the current lock; expires_at is when the row is forgotten (and pruned). State, not a log:
-- rows are updated in place. Times are Unix milliseconds.
create table sign_in_lockouts (
    tenant_id    text    not null,
    name_key     text    not null,
    failures     integer not null,
    locked_until integer,
    expires_at   integer not null,
    tag1         blob,
    tag2         blob,
    tag3         blob,
    primary key (tenant_id, name_key)
) without rowid;
create index ix_sign_in_lockouts_expires on sign_in_lockouts (expires_at);
