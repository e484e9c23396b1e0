-- 0052_notify_triggers.sql
-- The writes that change a cached answer, announced whoever makes them (functions: 0050, 0051).
-- Fixings are announced by cpx_publish_fixings itself (0042).
create trigger index_definitions_notify after insert or update or delete on index_definitions
  for each row execute function cpx_notify_index_definition();
create trigger api_keys_notify after update or delete on api_keys
  for each row execute function cpx_notify_api_key();
