-- cpx_canonical_figure: one figure as written into the canonical text that is hashed.
-- DESIGN §3.8 (published figures rounded half away from zero to 6 dp) and §4 (the hash).
--
-- A published figure in the canonical text that is hashed (§4): 6 decimals, always written out
-- ('2.990000'), empty for null. round(numeric, 6) rounds half away from zero.
create or replace function cpx_canonical_figure(x numeric) returns text
language sql immutable parallel safe as $$
  select coalesce(round(x, 6)::text, '')
$$;
