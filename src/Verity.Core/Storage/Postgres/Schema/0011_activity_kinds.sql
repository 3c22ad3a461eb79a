-- Verity schema 11 for PostgreSQL: category and operation type are answered through the activity.
--
-- An activity names its category and operation type ("Update user" is UserManagement / Update), so their own
-- (tenant, column, seq) indexes cost every entry two index entries for filters that the activity index answers as
-- well. directory_audit_kinds lists the (category, operation type, activity) combinations each tenant's log holds,
-- added in the entries' own transaction like the term dictionary; a condition on category or operation type becomes
-- the few activities it stands for (LogKinds), each an ordered walk of the activity index.
create table directory_audit_kinds (
    tenant_id      uuid not null,
    category       text collate "C" not null,
    operation_type text collate "C" not null,
    activity       text collate "C" not null,
    primary key (tenant_id, category, operation_type, activity)
);

insert into directory_audit_kinds (tenant_id, category, operation_type, activity)
    select distinct tenant_id, category, operation_type, activity from directory_audits;

drop index ix_directory_audits_category;
drop index ix_directory_audits_operation;
