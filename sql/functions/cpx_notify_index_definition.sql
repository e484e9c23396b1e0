-- cpx_notify_index_definition: a definition written by any process (the admin API, a migration, psql) is announced on cpx_fixings
-- like a published fixing, with the index code: every instance drops its cached answers of that index
-- and of the catalog (src/plugins/read-cache.ts). NOTIFY is sent at commit, once per distinct payload.
create or replace function cpx_notify_index_definition() returns trigger language plpgsql as $$
begin
  perform pg_notify('cpx_fixings', json_build_object('code', case when tg_op = 'DELETE' then old.code else new.code end, 'definition', true)::text);
  return null;
end
$$;

-- its trigger: every write of a definition, whoever makes it
create or replace trigger index_definitions_notify after insert or update or delete on index_definitions
  for each row execute function cpx_notify_index_definition();
