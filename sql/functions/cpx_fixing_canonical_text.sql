-- cpx_fixing_canonical_text: the canonical text of a stored revision, rebuilt from its rows, so anyone can check its hash.
-- DESIGN §4 (identical inputs give the identical hash).
--
-- The canonical text of a stored revision, rebuilt from its rows: sha256 of it equals fixings.hash.
-- An auditor's check: select hash = 'sha256:' || encode(sha256(convert_to(cpx_fixing_canonical_text(id), 'UTF8')), 'hex') from fixings.
create or replace function cpx_fixing_canonical_text(p_fixing_id bigint) returns text
language sql stable as $$
  select cpx_canonical_text(f.index_code, f.date, f.status, f.value, f.level, f.window_days, f.n_providers,
    f.n_contributors, f.n_quotes, f.n_excluded, f.min, f.p25, f.p75, f.max, f.hhi, f.max_provider_impact,
    coalesce((select jsonb_agg(jsonb_build_object('provider', c.provider, 'product', c.product, 'value', c.value,
        'segments', c.segments, 'n_quotes', c.n_quotes, 'quote_ids', to_jsonb(c.quote_ids), 'excluded', c.excluded,
        'reason', c.reason))
      from fixing_constituents c where c.fixing_id = f.id), '[]'::jsonb))
  from fixings f where f.id = p_fixing_id
$$;
