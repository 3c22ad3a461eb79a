-- A trigram index over the term dictionary, so contains() finds the few values holding a text without scanning a
-- field's hundred thousand names. It is written only when a value is new to its tenant and field.
-- case_sensitive 1: contains() is case-sensitive, and GLOB (not LIKE) then uses the index.
create virtual table directory_audit_terms_text using fts5(value, tenant_id unindexed, field unindexed, tokenize = 'trigram case_sensitive 1');
insert into directory_audit_terms_text (value, tenant_id, field) select value, tenant_id, field from directory_audit_terms;
