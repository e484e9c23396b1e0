-- cpx_compute_fixings_v2.sql
-- Methodology v2 (docs/methodology.md, "Methodology v2"): the fixings of the definitions whose
-- methodology has "version": 2. v1 (cpx_compute_fixings) is untouched; cpx_publish_fixings sends each
-- definition to the function of its version.
--
-- What differs from v1, paragraph by paragraph (v2.1–v2.9 in docs/methodology.md):
-- * v2.3 posted prices in force: a (provider, product, segment) day whose quotes all come from a
--   posted_price_sources source is r(c,s) on every later day until that series quotes again, for at most
--   max_posted_age_days (default 45); other days keep the window rule (age < L).
-- * v2.5 aggregate "model_then_market" (default): the outlier screen runs among one model's contributors,
--   a model's value is the median of its remaining contributors' r(c), the index is the statistic of the
--   model values (median, trimmed mean, or weighted mean with model_weights). "contributor": v1's single
--   stage (screen across all contributors, statistic of r(c)) with v2's posted rule and depth.
-- * v2.6 depth: a contributor stands on min over its segments of the quotes behind r(c,s) (a complete
--   blend of one input and one output quote counts once); a window yields with ≥ min_models models,
--   ≥ min_providers providers and ≥ min_quotes of that depth.
-- * v2.8 every constituent names, per segment, the rule that kept its price and its age; the models are
--   listed with their values; the hashed text is cpx-fixing-v2 and covers both.
create or replace function cpx_compute_fixings_v2(p_codes text[], p_from date, p_to date)
returns table (
  index_code text, date date, methodology_version int, status text, value numeric, level numeric,
  window_days int, n_providers int, n_contributors int, n_quotes int, n_excluded int,
  min numeric, p25 numeric, p75 numeric, max numeric, hhi numeric, max_provider_impact numeric,
  constituents cpx_constituent[], hash text, n_models int, models cpx_model[], rules cpx_constituent_rule[]
)
language plpgsql stable
-- as v1 (0041): hash joins, no JIT, sorts in memory, planned once per connection
set enable_nestloop = off
set jit = off
set work_mem = '64MB'
set plan_cache_mode = force_generic_plan
set enable_seqscan = on
as $$
#variable_conflict use_column
begin
return query
with
defs as materialized (
  select d.code, d.kind, d.methodology_version, d.segments, d.term_months,
    cpx_text_array(d.filter->'families') as families,
    cpx_text_array(d.filter->'variants') as variants,
    cpx_text_array(d.filter->'tiers') as tiers,
    (d.filter->>'open_weights')::boolean as open_weights,
    cpx_text_array(d.filter->'products') as products,
    cpx_text_array(d.filter->'labs') as labs,
    cpx_text_array(d.filter->'provider_kinds') as provider_kinds,
    cpx_text_array(d.filter->'regions') as regions,
    coalesce(d.filter->>'service_tier', 'standard') as service_tier,
    coalesce(d.methodology->>'statistic', 'median') as statistic,
    coalesce((d.methodology->>'trim')::numeric, 0.1) as trim_fraction,
    coalesce((d.methodology->>'min_providers')::int, 3) as min_providers,
    coalesce((d.methodology->>'min_quotes')::int, 5) as min_quotes,
    coalesce((d.methodology->>'min_models')::int, 3) as min_models,
    coalesce((d.methodology->>'outlier_k')::numeric, 3.5) as outlier_k,
    (d.methodology->>'base_date')::date as base_date,
    coalesce(d.methodology->>'aggregate', 'model_then_market') as aggregate,
    coalesce((d.methodology->>'max_posted_age_days')::int, 45) as max_posted,
    coalesce(d.methodology->'model_weights', '{}') as model_weights,
    coalesce(d.methodology->'windows', '[1, 3, 7]') as windows,
    (select max(w::int) from jsonb_array_elements_text(coalesce(d.methodology->'windows', '[1, 3, 7]')) w) as widest,
    (select count(*) from jsonb_object_keys(d.segments))::int as n_segments
  -- the version in force on the first day (cpx_definitions_in_force; publishing splits at effective dates)
  from cpx_definitions_in_force(p_codes, p_from) d
),
segs as (
  select d.code, s.key as segment, s.value::text::numeric as weight
  from defs d cross join lateral jsonb_each(d.segments) s
),
windows as (
  select d.code, w.len::int as len, w.ord
  from defs d cross join lateral jsonb_array_elements_text(d.windows) with ordinality w(len, ord)
),
-- v2.2 (as §3.2) products that pass the index's product filters
index_products as (
  select d.code, p.code as product
  from defs d join products p on p.kind = d.kind
  where (d.families is null or p.family = any(d.families))
    and (d.variants is null or p.variant = any(d.variants))
    and (d.tiers is null or p.tier = any(d.tiers)
      or exists (select 1 from model_tiers mt where mt.product = p.code and mt.tier = any(d.tiers)))
    and (d.open_weights is null or p.open_weights = d.open_weights)
    and (d.products is null or p.code = any(d.products))
    and (d.labs is null or split_part(p.code, '/', 1) = any(d.labs))   -- v2 only: the lab part of the code
),
index_segments as (
  select d.code, d.kind, ip.product, s.segment, d.regions, d.service_tier, d.term_months,
    -- a day can stay in force for the longer of the widest window and the posted age
    p_from - (greatest(d.widest, d.max_posted) - 1) as first_day,
    case when d.provider_kinds is not null
      then array(select pr.slug from providers pr where pr.kind = any(d.provider_kinds)) end as providers
  from defs d join index_products ip on ip.code = d.code join segs s on s.code = d.code
),
-- v2.1-v2.3 eligible quotes grouped by (UTC day, provider); a day is posted when every quote of it comes
-- from a posted source; next_day is the series' next day, whatever its rule (a newer observation of the
-- same series supersedes a posted price)
read_days as (
  select x.code collate "C" as code, x.product collate "C" as product, x.segment collate "C" as segment,
    q.provider collate "C" as provider, q.day, q.prices, q.n_quotes, q.quote_ids, q.posted,
    lead(q.day) over (partition by x.code, x.product, x.segment, q.provider order by q.day) as next_day
  from index_segments x
  cross join lateral (
    select q.provider, q.observed_day as day, count(*)::int as n_quotes,
      array_agg(q.usd_price order by q.usd_price) as prices, array_agg(q.id order by q.id) as quote_ids,
      bool_and(ps.source is not null) as posted
    from quotes q
    left join posted_price_sources ps on ps.source = q.source
    where q.product = x.product and q.segment = x.segment and q.observed_day between x.first_day and p_to
      and (x.providers is null or q.provider = any(x.providers))
      and (x.regions is null or q.region = any(x.regions))
      and (x.kind <> 'model' or coalesce(q.service_tier, 'standard') = x.service_tier)
      and (q.segment <> 'reserved' or q.term_months = x.term_months)
    group by q.observed_day, q.provider
  ) q
),
-- a day rep over the fixing days it is the latest for: up to the day before next_day, at most
-- max_posted_age_days − 1 days later when posted, widest − 1 days otherwise
latest as (
  select rd.code, rd.provider, rd.product, rd.segment, rd.day, rd.day + g.age as fix_date, g.age, rd.posted,
    cpx_median(rd.prices) as r, rd.n_quotes, rd.quote_ids
  from read_days rd
  join defs d on d.code = rd.code
  cross join lateral generate_series(greatest(p_from - rd.day, 0),
    least(case when rd.posted then d.max_posted else d.widest end - 1, p_to - rd.day, rd.next_day - rd.day - 1)) as g(age)
  -- a dated tier (model_tiers) counts the product only on the days its tier is one of the index's
  where d.tiers is null or not exists (select 1 from model_tiers mt where mt.product = rd.product)
    or cpx_product_tier(rd.product, rd.day + g.age) = any(d.tiers)
),
-- v2.4 r(c) per window: a posted day counts in every window, a market day when age < L
contrib as (
  select l.code, l.fix_date, w.len, l.provider, l.product,
    count(*) = d.n_segments as complete,
    sum(s.weight * l.r) / sum(s.weight) as r,
    sum(l.n_quotes)::int as n_quotes_listed,
    min(l.n_quotes)::int as depth,
    jsonb_object_agg(l.segment, trim_scale(round(l.r, 6))) as segments,
    string_agg(l.segment || '=' || cpx_canonical_figure(l.r) || '@' || case when l.posted then 'posted' else 'window' end
      || ':' || l.age, ';' order by l.segment) as segment_text,
    array_agg(row(l.provider, l.product, l.segment, case when l.posted then 'posted' else 'window' end, l.age, l.day)::cpx_constituent_rule
      order by l.segment) as rules,
    count(*) as n_segs, cpx_array_cat(l.quote_ids) as quote_ids,
    case when d.aggregate = 'model_then_market' then l.product else '' end as screen_group,
    case when d.aggregate = 'model_then_market' then l.product else l.provider || '|' || l.product end as agg_group
  from latest l
  join windows w on w.code = l.code and (l.posted or l.age < w.len)
  join segs s on s.code = l.code and s.segment = l.segment
  join defs d on d.code = l.code
  group by l.code, l.fix_date, w.len, l.provider, l.product, d.n_segments, d.aggregate
),
-- v2.5 the outlier screen among the complete contributors of a screen group: one model's hosts
-- (model_then_market) or all contributors (contributor)
screen_inputs as materialized (
  select c.code, c.fix_date, c.len, c.screen_group,
    array_agg(c.r order by c.r, c.provider, c.product) as rs,
    array_agg(c.provider order by c.r, c.provider, c.product) as providers,
    array_agg(c.depth order by c.r, c.provider, c.product) as nqs
  from contrib c where c.complete
  group by c.code, c.fix_date, c.len, c.screen_group
),
screens as (
  select x.code, x.fix_date, x.len, x.screen_group, st.m, st.mad, st.screening, d.outlier_k
  from screen_inputs x
  join defs d on d.code = x.code
  cross join lateral cpx_window_screen(x.rs, x.providers, x.nqs, d.outlier_k) st
),
flagged as (
  select c.*,
    case
      when not c.complete then 'incomplete_blend'
      when s.screening and abs(c.r - s.m) > s.outlier_k * 1.4826 * s.mad then 'outlier'
    end as reason
  from contrib c
  left join screens s on s.code = c.code and s.fix_date = c.fix_date and s.len = c.len and s.screen_group = c.screen_group
),
-- v2.5 first stage: a model's value is the median of its remaining contributors' r(c)
model_values as (
  select f.code, f.fix_date, f.len, f.agg_group, min(f.product) as product,
    cpx_median(array_agg(f.r order by f.r)) as v,
    coalesce((d.model_weights->>min(f.product))::numeric, 1) as weight,
    count(*)::int as n_contributors, count(distinct f.provider)::int as n_providers, sum(f.depth)::int as n_quotes
  from flagged f join defs d on d.code = f.code
  where f.reason is null
  group by f.code, f.fix_date, f.len, f.agg_group, d.model_weights
),
-- every (index, day, window) with the statistics of its models and remaining contributors
window_stats as (
  select m.code, m.fix_date, m.len,
    array_agg(m.v order by m.v, m.agg_group) as vs,
    array_agg(m.weight order by m.v, m.agg_group) as ws,
    -- models priced: under "contributor" several inputs can be one model's
    count(distinct m.product)::int as n_models, sum(m.n_contributors)::int as n_contributors, sum(m.n_quotes)::int as n_quotes
  from model_values m
  group by m.code, m.fix_date, m.len
),
window_providers as (
  select f.code, f.fix_date, f.len, count(*)::int as n_providers, sum(f.k * f.k)::numeric / (sum(f.k) * sum(f.k)) as hhi
  from (select code, fix_date, len, provider, count(*) as k from flagged where reason is null group by code, fix_date, len, provider) f
  group by f.code, f.fix_date, f.len
),
window_excluded as (
  select code, fix_date, len, count(*) filter (where reason is not null)::int as n_excluded
  from flagged group by code, fix_date, len
),
per_window as (
  select d.code, g.day::date as fix_date, w.len, w.ord,
    coalesce(ws.n_models, 0) as n_models,
    coalesce(wp.n_providers, 0) as n_providers,
    coalesce(ws.n_contributors, 0) as n_contributors,
    coalesce(ws.n_quotes, 0) as n_quotes,
    coalesce(we.n_excluded, 0) as n_excluded,
    ws.vs, ws.ws, wp.hhi,
    coalesce(ws.n_models, 0) >= d.min_models and coalesce(wp.n_providers, 0) >= d.min_providers
      and coalesce(ws.n_quotes, 0) >= d.min_quotes as yields
  from defs d
  join windows w on w.code = d.code
  cross join generate_series(p_from, p_to, interval '1 day') as g(day)
  left join window_stats ws on ws.code = d.code and ws.fix_date = g.day::date and ws.len = w.len
  left join window_providers wp on wp.code = d.code and wp.fix_date = g.day::date and wp.len = w.len
  left join window_excluded we on we.code = d.code and we.fix_date = g.day::date and we.len = w.len
),
-- the first window in the definition's order that yields a value; if none does, the widest window
chosen as materialized (
  select distinct on (pw.code, pw.fix_date) pw.*
  from per_window pw
  order by pw.code, pw.fix_date, pw.yields desc, case when pw.yields then pw.ord end, pw.len desc
),
-- v2.7 the index over the model values: median, trimmed mean, or Σ w·v / Σ w
valued as (
  select c.*,
    case when c.yields then
      case when d.statistic = 'weighted_mean'
        then (select sum(u.v * u.w) / sum(u.w) from unnest(c.vs, c.ws) u(v, w))
        else cpx_statistic(c.vs, d.statistic, d.trim_fraction) end
    end as value
  from chosen c join defs d on d.code = c.code
),
-- the remaining contributors of the chosen window
kept as (
  select f.* from flagged f join chosen c on c.code = f.code and c.fix_date = f.fix_date and c.len = f.len
  where f.reason is null and c.yields
),
-- v2.8 max_provider_impact: the index without provider p, from the model values recomputed on the
-- remaining contributors minus p's (no new screen; a model left without contributors drops out);
-- null when n_providers − 1 < min_providers
without_models as (
  select k.code, k.fix_date, p.provider as dropped, k.agg_group,
    cpx_median(array_agg(k.r order by k.r)) as v, coalesce((d.model_weights->>min(k.product))::numeric, 1) as w
  from (select distinct code, fix_date, provider from kept) p
  join kept k on k.code = p.code and k.fix_date = p.fix_date and k.provider <> p.provider
  join defs d on d.code = k.code
  group by k.code, k.fix_date, p.provider, k.agg_group, d.model_weights
),
without_provider as (
  select wm.code, wm.fix_date, wm.dropped,
    case when d.statistic = 'weighted_mean' then sum(wm.v * wm.w) / sum(wm.w)
      else cpx_statistic(array_agg(wm.v order by wm.v), d.statistic, d.trim_fraction) end as value
  from without_models wm join defs d on d.code = wm.code
  group by wm.code, wm.fix_date, wm.dropped, d.statistic, d.trim_fraction
),
impact as (
  select v.code, v.fix_date, max(abs(v.value - wp.value)) as max_provider_impact
  from valued v
  join defs d on d.code = v.code
  join without_provider wp on wp.code = v.code and wp.fix_date = v.fix_date
  where v.yields and v.n_providers - 1 >= d.min_providers
  group by v.code, v.fix_date
),
-- the constituents of the chosen window, excluded or not, and their canonical lines
constituent_rows as materialized (
  select f.*,
    case when f.n_segs = 1 then f.quote_ids else (select array_agg(x order by x) from unnest(f.quote_ids) x) end as ids
  from flagged f join chosen c on c.code = f.code and c.fix_date = f.fix_date and c.len = f.len
),
listed as (
  select c.code, c.fix_date,
    array_agg(row(c.provider, c.product, case when c.complete then trim_scale(round(c.r, 6)) end, c.segments,
      c.n_quotes_listed, c.ids, c.reason is not null, c.reason)::cpx_constituent order by c.provider, c.product) as constituents,
    string_agg(concat_ws('|', c.provider, c.product, cpx_canonical_figure(case when c.complete then c.r end),
      c.segment_text, c.n_quotes_listed::text, array_to_string(c.ids, ','), (c.reason is not null)::text,
      coalesce(c.reason, '')), E'\n' order by c.provider, c.product) as lines
  from constituent_rows c
  group by c.code, c.fix_date
),
rule_list as (
  select c.code, c.fix_date, array_agg(ru order by ru.provider, ru.product, ru.segment) as rules
  from constituent_rows c cross join lateral unnest(c.rules) ru
  group by c.code, c.fix_date
),
-- the models of the chosen window (model_then_market only: under "contributor" a model is a contributor)
model_list as (
  select m.code, m.fix_date,
    array_agg(row(m.product, trim_scale(round(m.v, 6)), m.weight, m.n_contributors, m.n_providers, m.n_quotes)::cpx_model
      order by m.product) as models,
    string_agg(concat_ws('|', 'model', m.product, cpx_canonical_figure(m.v), m.weight::text, m.n_contributors::text,
      m.n_providers::text, m.n_quotes::text), E'\n' order by m.product) as lines
  from model_values m
  join chosen c on c.code = m.code and c.fix_date = m.fix_date and c.len = m.len
  join defs d on d.code = m.code
  where d.aggregate = 'model_then_market'
  group by m.code, m.fix_date
),
published as (
  select v.code, v.fix_date, d.methodology_version, d.base_date,
    case when v.yields then 'ok' else 'insufficient_data' end as status,
    round(v.value, 6) as value,
    v.len as window_days, v.n_models, v.n_providers, v.n_contributors, v.n_quotes, v.n_excluded,
    round(v.vs[1], 6) as min,
    round(cpx_percentile(v.vs, 0.25), 6) as p25,
    round(cpx_percentile(v.vs, 0.75), 6) as p75,
    round(v.vs[cardinality(v.vs)], 6) as max,
    round(v.hhi, 6) as hhi,
    round(i.max_provider_impact, 6) as max_provider_impact,
    coalesce(l.constituents, '{}') as constituents,
    coalesce(rl.rules, '{}') as rules,
    coalesce(ml.models, '{}') as models,
    concat_ws(E'\n', l.lines, ml.lines) as lines
  from valued v
  join defs d on d.code = v.code
  left join impact i on i.code = v.code and i.fix_date = v.fix_date
  left join listed l on l.code = v.code and l.fix_date = v.fix_date
  left join model_list ml on ml.code = v.code and ml.fix_date = v.fix_date
  left join rule_list rl on rl.code = v.code and rl.fix_date = v.fix_date
),
-- v2.9 level as §3.9
base as (
  select d.code,
    case when d.base_date between p_from and p_to
      then (select p.value from published p where p.code = d.code and p.fix_date = d.base_date)
      else (select f.value from fixings f where f.index_code = d.code and f.date = d.base_date order by f.revision desc limit 1)
    end as value
  from defs d where d.base_date is not null
),
leveled as (
  select p.*, round(100 * p.value / nullif(b.value, 0), 6) as level
  from published p left join base b on b.code = p.code
)
select x.code, x.fix_date, x.methodology_version, x.status, x.value, x.level, x.window_days, x.n_providers,
  x.n_contributors, x.n_quotes, x.n_excluded, x.min, x.p25, x.p75, x.max, x.hhi, x.max_provider_impact,
  x.constituents,
  -- sha256 of the v2 canonical text: the figures line (with n_models), the constituent lines (each
  -- segment with its rule and age), then the model lines
  'sha256:' || encode(sha256(convert_to(concat_ws(E'\n',
    'cpx-fixing-v2',
    concat_ws('|', x.code, x.fix_date::text, x.status, cpx_canonical_figure(x.value), cpx_canonical_figure(x.level),
      x.window_days::text, x.n_models::text, x.n_providers::text, x.n_contributors::text, x.n_quotes::text, x.n_excluded::text,
      cpx_canonical_figure(x.min), cpx_canonical_figure(x.p25), cpx_canonical_figure(x.p75), cpx_canonical_figure(x.max),
      cpx_canonical_figure(x.hhi), cpx_canonical_figure(x.max_provider_impact)),
    nullif(x.lines, '')), 'UTF8')), 'hex'),
  x.n_models, x.models, x.rules
from leveled x
order by x.code, x.fix_date;
end
$$;
