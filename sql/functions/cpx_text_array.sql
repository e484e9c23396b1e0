-- cpx_text_array: A jsonb array of strings as text[]; null for a missing or JSON-null filter field.
-- DESIGN §3.2 (a filter that is not set does not filter).
--
-- A jsonb array of strings as text[]; null for a missing or JSON-null filter field ("does not filter").
create or replace function cpx_text_array(j jsonb) returns text[]
language sql immutable parallel safe as $$
  select case when jsonb_typeof(j) = 'array' then array(select jsonb_array_elements_text(j)) end
$$;
