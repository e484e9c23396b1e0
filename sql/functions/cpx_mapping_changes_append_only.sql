-- cpx_mapping_changes_append_only: trigger function, and its trigger: the log of mapping changes (0065)
-- is never updated or deleted; who changed a rule, when and why stays as it was written.
--
create or replace function cpx_mapping_changes_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'mapping_changes is append-only (% refused)', tg_op using errcode = 'P0001';
end
$$;
create or replace trigger mapping_changes_append_only before update or delete on mapping_changes
  for each row execute function cpx_mapping_changes_append_only();
