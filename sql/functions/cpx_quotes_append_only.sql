-- cpx_quotes_append_only: trigger function, and its trigger: quotes are never updated or deleted.
-- DESIGN §2 (quotes are kept exactly as quoted) and §4 (reproducible fixings).
--
create or replace function cpx_quotes_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'quotes are append-only (% refused)', tg_op using errcode = 'P0001';
end
$$;
create or replace trigger quotes_append_only before update or delete on quotes
  for each row execute function cpx_quotes_append_only();
