-- The authorization server's entries (OpenIddict's tokens and ad hoc authorizations), per tenant. An authorization
-- code is a reference token: the client holds a random value, reference_id keeps only its SHA-256, payload the
-- encrypted code. Redeeming a code marks its row redeemed, so it is redeemed once; a second attempt revokes the
-- tokens of its authorization. Access and identity tokens get a row without payload.
create table oauth_authorizations (
    tenant_id      uuid not null,
    id             text not null,
    type           text,
    status         text,
    subject        text,
    application_id text,
    scopes         text,
    properties     text,
    created_at     timestamptz,
    primary key (tenant_id, id)
);
create index ix_oauth_authorizations_created on oauth_authorizations (created_at);

create table oauth_tokens (
    tenant_id        uuid   not null,
    id               text   not null,
    type             text,
    status           text,
    subject          text,
    application_id   text,
    authorization_id text,
    reference_id     text,
    payload          text,
    properties       text,
    created_at       timestamptz,
    expires_at       timestamptz,
    redeemed_at      timestamptz,
    version          bigint not null,
    primary key (tenant_id, id)
);
create unique index ux_oauth_tokens_reference on oauth_tokens (tenant_id, reference_id) where reference_id is not null;
create index ix_oauth_tokens_authorization on oauth_tokens (tenant_id, authorization_id) where authorization_id is not null;
create index ix_oauth_tokens_created on oauth_tokens (created_at);
