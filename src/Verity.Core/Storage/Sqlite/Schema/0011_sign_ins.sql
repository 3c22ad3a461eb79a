-- The sign-in log (issue 24), a second log on the same engine (LogDefinition: SignInsLog). Rows as directory_audits':
-- tenant, gap-free seq, the exact JSON bytes and the promoted columns its filters run on, each behind a
-- (tenant_id, column, seq) index so a filter reads its matches in commit order. created_at is .NET ticks (UTC).
create table sign_ins (
    tenant_id             text    not null,
    seq                   integer not null,
    id                    text    not null,
    id_key                integer not null,
    created_at            integer not null,
    user_id               text,
    user_name             text,
    upn                   text,
    app_id                text,
    app_name              text,
    ip_address            text,
    client_app            text,
    correlation_id        text,
    ca_status             text,
    risk_detail           text,
    risk_level_aggregated text,
    risk_level_during     text,
    risk_state            text,
    resource_name         text,
    resource_id           text,
    error_code            integer not null,
    browser               text,
    operating_system      text,
    city                  text,
    state                 text,
    country               text,
    event_type            text    not null,
    json                  blob    not null,
    primary key (tenant_id, seq)
);
create index ix_sign_ins_id_key      on sign_ins (tenant_id, id_key);
create index ix_sign_ins_time        on sign_ins (tenant_id, created_at, seq);
create index ix_sign_ins_event_type  on sign_ins (tenant_id, event_type, seq);
create index ix_sign_ins_correlation on sign_ins (tenant_id, correlation_id, seq) where correlation_id is not null;
create index ix_sign_ins_ip          on sign_ins (tenant_id, ip_address, seq)     where ip_address is not null;
create index ix_sign_ins_client_app  on sign_ins (tenant_id, client_app, seq)     where client_app is not null;
create index ix_sign_ins_resource    on sign_ins (tenant_id, resource_id, seq)    where resource_id is not null;
create index ix_sign_ins_resource_name on sign_ins (tenant_id, resource_name, seq) where resource_name is not null;
create index ix_sign_ins_browser     on sign_ins (tenant_id, browser, seq)        where browser is not null;
create index ix_sign_ins_os          on sign_ins (tenant_id, operating_system, seq) where operating_system is not null;
create index ix_sign_ins_city        on sign_ins (tenant_id, city, seq)           where city is not null;
create index ix_sign_ins_state       on sign_ins (tenant_id, state, seq)          where state is not null;
create index ix_sign_ins_country     on sign_ins (tenant_id, country, seq)        where country is not null;
-- Users and applications by id; their names through sign_in_keys (EntryKeys), so only entries without the id index them.
create index ix_sign_ins_user_id     on sign_ins (tenant_id, user_id, seq)   where user_id is not null;
create index ix_sign_ins_app_id      on sign_ins (tenant_id, app_id, seq)    where app_id is not null;
create index ix_sign_ins_user_name   on sign_ins (tenant_id, user_name, seq) where user_name is not null and user_id is null;
create index ix_sign_ins_upn         on sign_ins (tenant_id, upn, seq)       where upn is not null and user_id is null;
create index ix_sign_ins_app_name    on sign_ins (tenant_id, app_name, seq)  where app_name is not null and app_id is null;
-- Values nearly every entry holds (success, no conditional access, no risk) are left out (FilterSql.UncommonGuard).
create index ix_sign_ins_error_code  on sign_ins (tenant_id, error_code, seq) where error_code <> 0;
create index ix_sign_ins_ca_status   on sign_ins (tenant_id, ca_status, seq)  where ca_status <> 'notApplied';
create index ix_sign_ins_risk_detail on sign_ins (tenant_id, risk_detail, seq) where risk_detail <> 'none';
create index ix_sign_ins_risk_aggregated on sign_ins (tenant_id, risk_level_aggregated, seq) where risk_level_aggregated <> 'none';
create index ix_sign_ins_risk_during on sign_ins (tenant_id, risk_level_during, seq) where risk_level_during <> 'none';
create index ix_sign_ins_risk_state  on sign_ins (tenant_id, risk_state, seq) where risk_state <> 'none';

create trigger sign_ins_no_update before update on sign_ins
begin select raise(abort, 'sign_ins is append-only'); end;
create trigger sign_ins_no_delete before delete on sign_ins
begin select raise(abort, 'sign_ins is append-only'); end;

-- The log's term dictionary (contains() on user and application names) and its trigram index, as the audit log's.
create table sign_in_terms (
    tenant_id text    not null,
    field     integer not null,
    value     text    not null,
    primary key (tenant_id, field, value)
) without rowid;
create virtual table sign_in_terms_text using fts5(value, tenant_id unindexed, field unindexed, tokenize = 'trigram case_sensitive 1');

-- Which user or application ids ever carried a name (field: 1 user display name, 2 UPN, 3 application name).
create table sign_in_keys (
    tenant_id text    not null,
    field     integer not null,
    value     text    not null,
    key_id    text    not null,
    primary key (tenant_id, field, value, key_id)
) without rowid;

-- Existing tenants get the log's head (new tenants get one per log at creation).
insert into log_heads (tenant_id, log, next_seq) select id, 2, 1 from tenants;
