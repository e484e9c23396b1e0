-- cpx_fixing_lock_key: the advisory-lock namespace of publishing: one compute at a time per index.
-- DESIGN §4 (revisions); no §3 paragraph.
--
-- Advisory lock keys: (namespace, hashtext(index code)). One compute at a time per index, whatever
-- process or instance runs it; the second waits, then finds the first one's revisions and adds nothing.
create or replace function cpx_fixing_lock_key() returns int language sql immutable as $$ select 4242020 $$;
