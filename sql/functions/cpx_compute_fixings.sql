-- cpx_compute_fixings: the engine: methodology v1 for indices p_codes over the days [p_from, p_to], one row per (index, day)
-- with its figures, constituents and hash. Stores nothing (cpx_publish_fixings does).
-- DESIGN §3 whole: the window loop of its preamble, 3.1 to 3.9, and the insufficient_data rule.
-- Tuned for speed (one pass per window, index arithmetic): docs/performance.md tells how; its figures
-- are those of the golden cases.
--
create or replace function cpx_compute_fixings(p_codes text[], p_from date, p_to date)
returns table (
  index_code text, date date, methodology_version int, status text, value numeric, level numeric,
  window_days int, n_providers int, n_contributors int, n_quotes int, n_excluded int,
  min numeric, p25 numeric, p75 numeric, max numeric, hhi numeric, max_provider_impact numeric,
  constituents cpx_constituent[], hash text
)
language plpgsql stable
-- as in 0021: hash joins (the planner cannot estimate these sets), no JIT, sorts in memory
set enable_nestloop = off
set jit = off
set work_mem = '64MB'
-- 0026: planned once per connection; 0028: its own scans chosen freely inside cpx_publish_fixings
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
    cpx_text_array(d.filter->'provider_kinds') as provider_kinds,
    cpx_text_array(d.filter->'regions') as regions,
    coalesce(d.filter->>'service_tier', 'standard') as service_tier,   -- null means standard
    coalesce(d.methodology->>'statistic', 'median') as statistic,
    coalesce((d.methodology->>'trim')::numeric, 0.1) as trim_fraction,
    coalesce((d.methodology->>'min_providers')::int, 3) as min_providers,
    coalesce((d.methodology->>'min_quotes')::int, 5) as min_quotes,
    coalesce((d.methodology->>'outlier_k')::numeric, 3.5) as outlier_k,
    (d.methodology->>'base_date')::date as base_date,
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
-- §3.2 products that pass the index's product filters
index_products as (
  select d.code, p.code as product
  from defs d join products p on p.kind = d.kind
  where (d.families is null or p.family = any(d.families))
    and (d.variants is null or p.variant = any(d.variants))
    and (d.tiers is null or p.tier = any(d.tiers)
      or exists (select 1 from model_tiers mt where mt.product = p.code and mt.tier = any(d.tiers) and not mt.v2_only))
    and (d.open_weights is null or p.open_weights = d.open_weights)
    and (d.products is null or p.code = any(d.products))
),
-- §3.1-3.3 The eligible quotes of each (index, product, segment), observed in the widest window of any day
-- in [from, to], grouped by (UTC day, provider): one index-only range scan of quotes_engine per distinct
-- read (kind, product, segment, first day, regions, service tier, term), the day's prices and ids sorted
-- within their small group. Indices that differ only in their providers or segment weights share a read
-- (TOK-FRONTIER-IN, -OUT and -BLEND; H100-SXM-OD and -HYPERSCALER): its (day, provider) groups, their next
-- days and medians are computed once, and each index keeps its providers' groups. Provider kinds become a
-- list of providers.
index_segments as (
  select d.code, d.kind, ip.product, s.segment, p_from - (d.widest - 1) as first_day, d.regions, d.service_tier,
    d.term_months,
    case when d.provider_kinds is not null
      then array(select pr.slug from providers pr where pr.kind = any(d.provider_kinds)) end as providers
  from defs d join index_products ip on ip.code = d.code join segs s on s.code = d.code
),
reads as materialized (
  select row_number() over () as rid, k.*
  from (select distinct x.kind, x.product, x.segment, x.first_day, x.regions, x.service_tier, x.term_months
    from index_segments x) k
),
read_days as (
  select r.rid, q.provider, q.day, q.prices, q.n_quotes, q.quote_ids,
    lead(q.day) over (partition by r.rid, q.provider order by q.day) as next_day
  from reads r
  cross join lateral (
    select q.provider, q.observed_day as day, count(*)::int as n_quotes,
      array_agg(q.usd_price order by q.usd_price) as prices, array_agg(q.id order by q.id) as quote_ids
    from quotes q
    where q.product = r.product and q.segment = r.segment and q.observed_day between r.first_day and p_to
      and (r.regions is null or q.region = any(r.regions))
      and (r.kind <> 'model' or coalesce(q.service_tier, 'standard') = r.service_tier)
      and (q.segment <> 'reserved' or q.term_months = r.term_months)
    group by q.observed_day, q.provider
  ) q
),
-- r(c,s) of a day: the median of its prices. A day is r(c,s) for every fixing day from that day up to the
-- day before c's next day of s, at most widest − 1 days later: it matters when that reaches into [from, to].
read_reps as materialized (
  select rd.rid, rd.provider, rd.day, rd.next_day, cpx_median(rd.prices) as r, rd.n_quotes, rd.quote_ids
  from read_days rd
  where rd.next_day is null or rd.next_day > p_from
),
day_reps as (
  select x.code collate "C" as code, rr.provider collate "C" as provider, x.product collate "C" as product,
    x.segment collate "C" as segment, rr.day, rr.next_day, rr.r, rr.n_quotes, rr.quote_ids
  from index_segments x
  join reads r on r.kind = x.kind and r.product = x.product and r.segment = x.segment and r.first_day = x.first_day
    and r.service_tier = x.service_tier and r.regions is not distinct from x.regions
    and r.term_months is not distinct from x.term_months
  join read_reps rr on rr.rid = r.rid
  where x.providers is null or rr.provider = any(x.providers)
),
-- each day rep over the fixing days D it is the latest for, with its age D − day: in window L it counts
-- when age < L
latest as (
  select dr.code, dr.provider, dr.product, dr.segment, dr.day + g.age as fix_date, g.age, dr.r, dr.n_quotes, dr.quote_ids
  from day_reps dr
  join defs d on d.code = dr.code
  cross join lateral generate_series(greatest(p_from - dr.day, 0), least(d.widest - 1, p_to - dr.day, dr.next_day - dr.day - 1)) as g(age)
  -- a dated tier (model_tiers rows for v1: v2_only = false) counts the product only on the days its tier
  -- is one of the index's
  where d.tiers is null or not exists (select 1 from model_tiers mt where mt.product = dr.product and not mt.v2_only)
    or cpx_product_tier_v1(dr.product, dr.day + g.age) = any(d.tiers)
),
-- §3.4-3.6 The first window of every (index, day), then the other windows only where the first yields no
-- value (usually none). Per window: r(c) of each contributor (a blend Σ w(s)·r(c,s) / Σ w(s), complete when
-- c has every weighted segment), then its complete contributors' r(c) as one ascending array, with their
-- providers and quote counts in the same order, screened and counted by cpx_window_screen.
contrib_first as (
  select l.code, l.fix_date, w.len, l.provider, l.product,
    count(*) = d.n_segments as complete,
    sum(s.weight * l.r) / sum(s.weight) as r,
    sum(l.n_quotes)::int as n_quotes,
    -- what its constituent lists: r(c,s) per segment, the canonical text of that map, the quote ids
    jsonb_object_agg(l.segment, trim_scale(round(l.r, 6))) as segments,
    string_agg(l.segment || '=' || cpx_canonical_figure(l.r), ';' order by l.segment) as segment_text,
    count(*) as n_segments, cpx_array_cat(l.quote_ids) as quote_ids
  from latest l
  join windows w on w.code = l.code and w.ord = 1 and l.age < w.len
  join segs s on s.code = l.code and s.segment = l.segment
  join defs d on d.code = l.code
  group by l.code, l.fix_date, w.len, l.provider, l.product, d.n_segments
),
stats_first as (
  select x.code, x.fix_date, x.len, st.m, st.mad, st.screening, d.outlier_k, st.kept as rs, st.kept_providers as providers,
    st.n_contributors, st.n_quotes, x.n_incomplete + coalesce(cardinality(x.rs), 0) - st.n_contributors as n_excluded,
    st.n_providers, st.hhi
  from (
    select c.code, c.fix_date, c.len,
      array_agg(c.r order by c.r, c.provider, c.product) filter (where c.complete) as rs,
      array_agg(c.provider order by c.r, c.provider, c.product) filter (where c.complete) as providers,
      array_agg(c.n_quotes order by c.r, c.provider, c.product) filter (where c.complete) as nqs,
      count(*) filter (where not c.complete)::int as n_incomplete
    from contrib_first c
    group by c.code, c.fix_date, c.len
  ) x
  join defs d on d.code = x.code
  cross join lateral cpx_window_screen(x.rs, x.providers, x.nqs, d.outlier_k) st
),
-- (index, day) whose first window yields no value: L yields one when the remaining contributors come from
-- ≥ min_providers providers and stand on ≥ min_quotes quotes
pending as (
  select d.code, g.day::date as fix_date
  from defs d
  cross join generate_series(p_from, p_to, interval '1 day') as g(day)
  left join stats_first st on st.code = d.code and st.fix_date = g.day::date
  where not (coalesce(st.n_providers, 0) >= d.min_providers and coalesce(st.n_quotes, 0) >= d.min_quotes)
),
-- the other windows of those
contrib_rest as (
  select l.code, l.fix_date, w.len, l.provider, l.product,
    count(*) = d.n_segments as complete,
    sum(s.weight * l.r) / sum(s.weight) as r,
    sum(l.n_quotes)::int as n_quotes,
    jsonb_object_agg(l.segment, trim_scale(round(l.r, 6))) as segments,
    string_agg(l.segment || '=' || cpx_canonical_figure(l.r), ';' order by l.segment) as segment_text,
    count(*) as n_segments, cpx_array_cat(l.quote_ids) as quote_ids
  from latest l
  join pending p on p.code = l.code and p.fix_date = l.fix_date
  join windows w on w.code = l.code and w.ord > 1 and l.age < w.len
  join segs s on s.code = l.code and s.segment = l.segment
  join defs d on d.code = l.code
  where exists (select 1 from pending)  -- usually none: then not even the join is made
  group by l.code, l.fix_date, w.len, l.provider, l.product, d.n_segments
),
stats_rest as (
  select x.code, x.fix_date, x.len, st.m, st.mad, st.screening, d.outlier_k, st.kept as rs, st.kept_providers as providers,
    st.n_contributors, st.n_quotes, x.n_incomplete + coalesce(cardinality(x.rs), 0) - st.n_contributors as n_excluded,
    st.n_providers, st.hhi
  from (
    select c.code, c.fix_date, c.len,
      array_agg(c.r order by c.r, c.provider, c.product) filter (where c.complete) as rs,
      array_agg(c.provider order by c.r, c.provider, c.product) filter (where c.complete) as providers,
      array_agg(c.n_quotes order by c.r, c.provider, c.product) filter (where c.complete) as nqs,
      count(*) filter (where not c.complete)::int as n_incomplete
    from contrib_rest c
    group by c.code, c.fix_date, c.len
  ) x
  join defs d on d.code = x.code
  cross join lateral cpx_window_screen(x.rs, x.providers, x.nqs, d.outlier_k) st
),
contrib as (
  select * from contrib_first union all select * from contrib_rest
),
window_stats as (
  select * from stats_first union all select * from stats_rest
),
-- Every (index, day, window), with or without contributors. L yields a value when the remaining
-- contributors come from ≥ min_providers providers and stand on ≥ min_quotes quotes.
per_window as (
  select d.code, g.day::date as fix_date, w.len, w.ord,
    coalesce(ws.n_providers, 0) as n_providers,
    coalesce(ws.n_contributors, 0) as n_contributors,
    coalesce(ws.n_quotes, 0) as n_quotes,
    coalesce(ws.n_excluded, 0) as n_excluded,
    ws.rs, ws.providers, ws.hhi, ws.m, ws.mad, ws.screening, ws.outlier_k,
    coalesce(ws.n_providers, 0) >= d.min_providers and coalesce(ws.n_quotes, 0) >= d.min_quotes as yields
  from defs d
  join windows w on w.code = d.code
  cross join generate_series(p_from, p_to, interval '1 day') as g(day)
  left join window_stats ws on ws.code = d.code and ws.fix_date = g.day::date and ws.len = w.len
),
-- the first window in the definition's order that yields a value; if none does, the widest window
chosen as materialized (
  select distinct on (pw.code, pw.fix_date) pw.*
  from per_window pw
  order by pw.code, pw.fix_date, pw.yields desc, case when pw.yields then pw.ord end, pw.len desc
),
-- §3.7 value: median or trimmed mean of the remaining r(c)
valued as (
  select c.*, case when c.yields then cpx_statistic(c.rs, d.statistic, d.trim_fraction) end as value
  from chosen c join defs d on d.code = c.code
),
-- §3.8 max_provider_impact: the largest |value − value without provider p|, recomputed on the remaining
-- contributors minus p's (no second outlier pass); null when dropping a provider leaves < min_providers
-- (a median without a provider that has one contributor, at position j of the sorted list, is read off
-- the list itself by cpx_median_without; otherwise the list without p is built and its statistic taken)
without_provider as (
  select v.code, v.fix_date,
    case
      when d.statistic = 'median' and cardinality(pp.positions) = 1 then cpx_median_without(v.rs, pp.positions[1])
      else (select cpx_statistic(array_agg(u.r order by u.r), d.statistic, d.trim_fraction)
        from unnest(v.rs, v.providers) u(r, p) where u.p <> pp.p)
    end as value
  from valued v
  join defs d on d.code = v.code
  cross join lateral (
    select u.p, array_agg(u.i::int) as positions from unnest(v.providers) with ordinality u(p, i) group by u.p
  ) pp
  where v.yields and v.n_providers - 1 >= d.min_providers
),
impact as (
  select wp.code, wp.fix_date, max(abs(v.value - wp.value)) as max_provider_impact
  from without_provider wp join valued v using (code, fix_date)
  group by wp.code, wp.fix_date
),
-- the constituents of the chosen window, with the reason of each exclusion
constituent_rows as materialized (
  select s.code, s.fix_date, s.provider, s.product, s.complete, s.r, s.n_quotes, s.segments, s.segment_text,
    -- each day's ids are sorted; a blend's segments are merged
    case when s.n_segments = 1 then s.quote_ids else (select array_agg(x order by x) from unnest(s.quote_ids) x) end as quote_ids,
    case
      when not s.complete then 'incomplete_blend'
      when c.screening and abs(s.r - c.m) > c.outlier_k * 1.4826 * c.mad then 'outlier'
    end as reason
  from contrib s join chosen c on c.code = s.code and c.fix_date = s.fix_date and c.len = s.len
),
listed as (
  select c.code, c.fix_date,
    array_agg(row(c.provider, c.product, case when c.complete then trim_scale(round(c.r, 6)) end, c.segments,
      c.n_quotes, c.quote_ids, c.reason is not null, c.reason)::cpx_constituent order by c.provider, c.product) as constituents,
    -- the constituent lines of the canonical text (cpx_canonical_text in 0021), in the same order
    string_agg(concat_ws('|', c.provider, c.product, cpx_canonical_figure(case when c.complete then c.r end),
      c.segment_text, c.n_quotes::text, array_to_string(c.quote_ids, ','), (c.reason is not null)::text,
      coalesce(c.reason, '')), E'\n' order by c.provider, c.product) as lines
  from constituent_rows c
  group by c.code, c.fix_date
),
published as (
  select v.code, v.fix_date, d.methodology_version, d.base_date,
    case when v.yields then 'ok' else 'insufficient_data' end as status,
    round(v.value, 6) as value,
    v.len as window_days, v.n_providers, v.n_contributors, v.n_quotes, v.n_excluded,
    round(v.rs[1], 6) as min,
    round(cpx_percentile(v.rs, 0.25), 6) as p25,
    round(cpx_percentile(v.rs, 0.75), 6) as p75,
    round(v.rs[cardinality(v.rs)], 6) as max,
    round(v.hhi, 6) as hhi,
    round(i.max_provider_impact, 6) as max_provider_impact,
    coalesce(l.constituents, '{}') as constituents,
    l.lines
  from valued v
  join defs d on d.code = v.code
  left join impact i on i.code = v.code and i.fix_date = v.fix_date
  left join listed l on l.code = v.code and l.fix_date = v.fix_date
),
-- §3.9 level against the base day's published value: this computation's when the base day is in
-- [from, to], else the base day's current stored revision
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
  -- sha256 of the canonical text (format in 0021's cpx_canonical_text)
  'sha256:' || encode(sha256(convert_to(concat_ws(E'\n',
    'cpx-fixing-v1',
    concat_ws('|', x.code, x.fix_date::text, x.status, cpx_canonical_figure(x.value), cpx_canonical_figure(x.level),
      x.window_days::text, x.n_providers::text, x.n_contributors::text, x.n_quotes::text, x.n_excluded::text,
      cpx_canonical_figure(x.min), cpx_canonical_figure(x.p25), cpx_canonical_figure(x.p75), cpx_canonical_figure(x.max),
      cpx_canonical_figure(x.hhi), cpx_canonical_figure(x.max_provider_impact)),
    x.lines), 'UTF8')), 'hex')
from leveled x
order by x.code, x.fix_date;
end
$$;
