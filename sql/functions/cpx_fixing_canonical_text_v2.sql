-- cpx_fixing_canonical_text_v2.sql
-- The v2 canonical text of a stored fixing, rebuilt from its stored rows (fixings, fixing_constituents,
-- fixing_constituent_rules, fixing_models), as cpx_fixing_canonical_text (0022) does for v1: an auditor
-- checks a v2 hash with sha256 of this text. Format (written by cpx_compute_fixings_v2):
--   cpx-fixing-v2
--   CODE|date|status|value|level|window_days|n_models|n_providers|n_contributors|n_quotes|n_excluded|min|p25|p75|max|hhi|max_provider_impact
--   provider|product|value|seg=r@rule:age;…|n_quotes|id,id,…|excluded|reason     (constituents, by provider then product)
--   model|product|value|weight|n_contributors|n_providers|n_quotes                 (models, by product)
create or replace function cpx_fixing_canonical_text_v2(p_fixing_id bigint) returns text
language sql stable as $$
  select concat_ws(E'\n', 'cpx-fixing-v2',
    concat_ws('|', f.index_code, f.date::text, f.status, cpx_canonical_figure(f.value), cpx_canonical_figure(f.level),
      f.window_days::text, f.n_models::text, f.n_providers::text, f.n_contributors::text, f.n_quotes::text, f.n_excluded::text,
      cpx_canonical_figure(f.min), cpx_canonical_figure(f.p25), cpx_canonical_figure(f.p75), cpx_canonical_figure(f.max),
      cpx_canonical_figure(f.hhi), cpx_canonical_figure(f.max_provider_impact)),
    (select string_agg(concat_ws('|', c.provider, c.product, cpx_canonical_figure(c.value),
        (select string_agg(s.key || '=' || cpx_canonical_figure(s.value::text::numeric) || '@' || r.kept_by || ':' || r.age_days,
           ';' order by s.key collate "C")
         from jsonb_each(c.segments) s
         join fixing_constituent_rules r on r.fixing_id = c.fixing_id and r.provider = c.provider and r.product = c.product
           and r.segment = s.key),
        c.n_quotes::text, array_to_string(c.quote_ids, ','), c.excluded::text, coalesce(c.reason, '')),
        E'\n' order by c.provider collate "C", c.product collate "C")
     from fixing_constituents c where c.fixing_id = f.id),
    (select string_agg(concat_ws('|', 'model', m.product, cpx_canonical_figure(m.value), m.weight::text,
        m.n_contributors::text, m.n_providers::text, m.n_quotes::text), E'\n' order by m.product collate "C")
     from fixing_models m where m.fixing_id = f.id))
  from fixings f where f.id = p_fixing_id
$$;
