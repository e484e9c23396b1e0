-- cpx_notify_api_key: a key revoked (or deleted) by any process, `cpx keys revoke` included, is announced on cpx_api_keys:
-- every instance forgets the keys it has verified at once instead of trusting them for up to 10 s
-- (src/plugins/auth.ts). The payload names the key by its public prefix, never its secret.
create or replace function cpx_notify_api_key() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' or new.revoked_at is distinct from old.revoked_at then
    perform pg_notify('cpx_api_keys', json_build_object('prefix', old.prefix)::text);
  end if;
  return null;
end
$$;

-- its trigger: a key revoked or deleted, whoever does it
create or replace trigger api_keys_notify after update or delete on api_keys
  for each row execute function cpx_notify_api_key();
