-- The sign-in log (issue 24), a second log on the same engine (LogDefinition: SignInsLog). Rows as directory_audits':
-- tenant, gap-free seq, the exact JSON bytes (bytea) and the promoted columns its filters run on, each behind a
-- (tenant_id, column, seq) B-tree so a filter reads its matches in commit order. Text compares byte-wise (collation C).
create table sign_ins (
    tenant_id             uuid        not null,
    seq                   bigint      not null,
    id                    text        not null,
    id_key                bigint      not null,
    created_at            timestamptz not null,
    user_id               text collate "C",
    user_name             text collate "C",
    upn                   text collate "C",
    app_id                text collate "C",
    app_name              text collate "C",
    ip_address            text collate "C",
    client_app            text collate "C",
    correlation_id        text collate "C",
    ca_status             text collate "C",
    risk_detail           text collate "C",
    risk_level_aggregated text collate "C",
    risk_level_during     text collate "C",
    risk_state            text collate "C",
    resource_name         text collate "C",
    resource_id           text collate "C",
    error_code            bigint      not null,
    browser               text collate "C",
    operating_system      text collate "C",
    city                  text collate "C",
    state                 text collate "C",
    country               text collate "C",
    event_type            text collate "C" not null,
    json                  bytea       not null,
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
-- Users and applications by id, carrying their names (INCLUDE) so a name's arm is an index-only walk; names through
-- sign_in_keys (EntryKeys), so only entries without the id index them.
create index ix_sign_ins_user_id     on sign_ins (tenant_id, user_id, seq) include (user_name, upn) where user_id is not null;
create index ix_sign_ins_app_id      on sign_ins (tenant_id, app_id, seq)  include (app_name)       where app_id is not null;
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

-- Append-only, enforced by the database itself, as for the audit log.
create trigger sign_ins_append_only before update or delete on sign_ins
    for each row execute function verity_refuse_log_change();
create trigger sign_ins_no_truncate before truncate on sign_ins
    for each statement execute function verity_refuse_log_change();
revoke update, delete, truncate on sign_ins from public;

-- The log's term dictionary (contains() on user and application names) with its trigram index, as the audit log's.
create table sign_in_terms (
    tenant_id uuid     not null,
    field     smallint not null,
    value     text     collate "C" not null,
    primary key (tenant_id, field, value)
);
create index ix_sign_in_terms_text on sign_in_terms using gin (value gin_trgm_ops);

-- Which user or application ids ever carried a name (field: 1 user display name, 2 UPN, 3 application name).
create table sign_in_keys (
    tenant_id uuid     not null,
    field     smallint not null,
    value     text     collate "C" not null,
    key_id    text     collate "C" not null,
    primary key (tenant_id, field, value, key_id)
);

-- Existing tenants get the log's head (new tenants get one per log at creation).
insert into log_heads (tenant_id, log, next_seq) select id, 2, 1 from tenants;
