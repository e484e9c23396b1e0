-- cpx_fixings_append_only: trigger function, and its two triggers: fixings and their constituents are never updated or deleted.
-- DESIGN §4 (nothing is overwritten or deleted).
--
create or replace function cpx_fixings_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'fixings are never changed or deleted: store a new revision (% refused)', tg_op using errcode = 'P0001';
end
$$;
create or replace trigger fixings_append_only before update or delete on fixings
  for each row execute function cpx_fixings_append_only();
create or replace trigger fixing_constituents_append_only before update or delete on fixing_constituents
  for each row execute function cpx_fixings_append_only();
