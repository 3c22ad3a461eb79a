-- A group-commit batch is sent as one round trip with no explicit transaction: PostgreSQL runs it as one implicit
-- transaction and commits at its end. Each row check (an update must find its object at the version read; a link's
-- ends must exist; a tenant must have a log head) therefore runs inside the batch, and a failed one raises, which
-- rolls the whole batch back. The message names the change (its index in the batch, or -1 when several share the
-- statement) so the writer can settle it alone.
create function verity_expect_rows(actual bigint, expected bigint, change integer, code text) returns void
language plpgsql as $$
begin
    if actual <> expected then
        raise exception using errcode = code, message = change::text;
    end if;
end $$;
