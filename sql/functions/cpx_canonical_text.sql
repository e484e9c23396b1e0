-- cpx_canonical_text: the canonical text of a fixing, the input of its SHA-256 hash.
-- DESIGN §4 (a hash over every figure and constituent). The engine builds the same text inline.
--
-- The canonical text of a fixing that its hash is taken over (§4). Line 1 names the format; line 2 the
-- figures; then one line per constituent, ordered by provider, product. Fields are separated by '|',
-- figures are written with 6 decimals, null is empty. A constituent line is
-- provider|product|value|segment=r;segment=r|n_quotes|id,id,...|excluded|reason.
-- The same function rebuilds the text from stored rows (cpx_fixing_canonical_text in 0022), so anyone can
-- check a stored hash.
create or replace function cpx_canonical_text(
  code text, day date, status text, value numeric, level numeric, window_days int, n_providers int,
  n_contributors int, n_quotes int, n_excluded int, min numeric, p25 numeric, p75 numeric, max numeric,
  hhi numeric, max_provider_impact numeric, constituents jsonb
) returns text language sql immutable parallel safe as $$
  select concat_ws(E'\n',
    'cpx-fixing-v1',
    concat_ws('|', code, day::text, status, cpx_canonical_figure(value), cpx_canonical_figure(level), window_days::text,
      n_providers::text, n_contributors::text, n_quotes::text, n_excluded::text, cpx_canonical_figure(min),
      cpx_canonical_figure(p25), cpx_canonical_figure(p75), cpx_canonical_figure(max), cpx_canonical_figure(hhi),
      cpx_canonical_figure(max_provider_impact)),
    (select string_agg(concat_ws('|', c->>'provider', c->>'product', cpx_canonical_figure((c->>'value')::numeric),
        (select coalesce(string_agg(s.key || '=' || cpx_canonical_figure(s.value::text::numeric), ';' order by s.key), '')
           from jsonb_each(c->'segments') s),
        c->>'n_quotes',
        (select coalesce(string_agg(q.id, ',' order by q.id::bigint), '') from jsonb_array_elements_text(c->'quote_ids') q(id)),
        c->>'excluded', coalesce(c->>'reason', '')),
      E'\n' order by c->>'provider' collate "C", c->>'product' collate "C")
     from jsonb_array_elements(constituents) c))
$$;
