-- Names, UPNs and service principals are found through ids (TargetKeys, InitiatorKeys): each arm walks an id's index
-- and rechecks the value. The id indexes carry those values (INCLUDE), so the walk is index-only instead of a heap
-- fetch per row: at 10M entries a prefix of ten admins' UPNs read 1,010 heap rows for a page of 100.
drop index ix_directory_audits_user_id;
create index ix_directory_audits_user_id on directory_audits (tenant_id, initiator_user_id, seq)
    include (initiator_user_name, initiator_upn) where initiator_user_id is not null;
drop index ix_directory_audits_app_id;
create index ix_directory_audits_app_id on directory_audits (tenant_id, initiator_app_id, seq)
    include (initiator_app_name, initiator_sp_id) where initiator_app_id is not null;
drop index ix_directory_audit_targets_id;
create index ix_directory_audit_targets_id on directory_audit_targets (tenant_id, target_id, seq)
    include (display_name, upn) where target_id is not null;
