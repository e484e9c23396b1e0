-- 0021_methodology_v1.sql
-- Methodology v1 (DESIGN §3), the one source of truth for every published figure.
--
-- cpx_compute_fixings(codes, from, to) computes the fixing of each index for each UTC day in [from, to]
-- in one set-based statement: no loop over days or indices. It only reads; cpx_publish_fixings (0022)
-- stores what changed as revisions. Read it top to bottom: each step is one CTE, numbered as in §3.
--
-- Figures stay unrounded numeric inside; they are rounded half away from zero to 6 decimals only as
-- they leave (round(numeric, 6) rounds half away from zero).

-- The canonical text of a fixing that its hash is taken over (§4). Line 1 names the format; line 2 the
-- figures; then one line per constituent, ordered by provider, product. Fields are separated by '|',
-- figures are written with 6 decimals, null is empty. A constituent line is
-- provider|product|value|segment=r;segment=r|n_quotes|id,id,...|excluded|reason.
-- The same function rebuilds the text from stored rows (cpx_fixing_canonical_text in 0022), so anyone can
-- check a stored hash.
create function cpx_canonical_text(
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

-- The median of an unsorted array (a day's prices of one contributor and segment).
create function cpx_median_of(v numeric[]) returns numeric
language sql immutable parallel safe as $$
  select cpx_median(array_agg(x order by x)) from unnest(v) as x
$$;

create function cpx_compute_fixings(p_codes text[], p_from date, p_to date)
returns table (
  index_code text, date date, methodology_version int, status text, value numeric, level numeric,
  window_days int, n_providers int, n_contributors int, n_quotes int, n_excluded int,
  min numeric, p25 numeric, p75 numeric, max numeric, hhi numeric, max_provider_impact numeric,
  constituents jsonb, hash text
)
language plpgsql stable
-- The statement below joins sets whose sizes the planner cannot estimate (a day's contributors, a year's
-- windows); with nested loops it goes quadratic. Hash joins everywhere, except the lateral index scans of
-- quotes, which are nested loops by construction.
set enable_nestloop = off
-- The estimates are large after that (disabled paths cost 1e10), and JIT would spend seconds compiling
-- a statement that runs in milliseconds.
set jit = off
-- A year of a catalog sorts a few million rows: in memory, not in temporary files.
set work_mem = '64MB'
as $$
#variable_conflict use_column
begin
return query
with
-- The definitions, unpacked. Missing methodology fields take the v1 defaults (the API always writes them).
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
  from index_definitions d
  where d.code = any(p_codes)
),
segs as (
  select d.code, s.key as segment, s.value::text::numeric as weight
  from defs d cross join lateral jsonb_each(d.segments) s
),
windows as (
  select d.code, w.len::int as len, w.ord
  from defs d cross join lateral jsonb_array_elements_text(d.windows) with ordinality w(len, ord)
),
-- §3.2 Products that pass the index's product filters (kind, family, variant, tier, open weights, codes).
index_products as (
  select d.code, p.code as product
  from defs d join products p on p.kind = d.kind
  where (d.families is null or p.family = any(d.families))
    and (d.variants is null or p.variant = any(d.variants))
    and (d.tiers is null or p.tier = any(d.tiers))
    and (d.open_weights is null or p.open_weights = d.open_weights)
    and (d.products is null or p.code = any(d.products))
),
-- §3.1-3.2 Eligible quotes: observed in the widest window of any day in [from, to]; provider kind, region,
-- service tier (model quotes; none means standard) and term (reserved quotes) as the index needs.
index_segments as (
  select d.code, ip.product, s.segment, p_from - (d.widest - 1) as first_day
  from defs d join index_products ip on ip.code = d.code join segs s on s.code = d.code
),
candidate_quotes as (
  -- a few days: one range scan of the quotes_window index per (index, product, segment)
  select x.code, q.id, q.provider, q.product, q.segment, q.observed_day, q.usd_price, q.region, q.service_tier, q.term_months
  from index_segments x
  cross join lateral (
    select q.* from quotes q
    where q.product = x.product and q.segment = x.segment and q.observed_day between x.first_day and p_to
    offset 0  -- keeps the planner from flattening this into a scan driven by another index
  ) q
  where p_to - p_from < 31
  union all
  -- longer ranges read most of the table anyway: one pass over quotes, hash-joined
  select x.code, q.id, q.provider, q.product, q.segment, q.observed_day, q.usd_price, q.region, q.service_tier, q.term_months
  from index_segments x
  join quotes q on q.product = x.product and q.segment = x.segment and q.observed_day between x.first_day and p_to
  where p_to - p_from >= 31
),
eligible as (
  -- byte order ("C") for the keys everything below sorts and groups on: the same on every server, and
  -- several times faster than a linguistic collation
  select d.code collate "C" as code, q.id, q.provider collate "C" as provider, q.product collate "C" as product,
    q.segment collate "C" as segment, q.observed_day, q.usd_price
  from defs d
  join candidate_quotes q on q.code = d.code
  join providers pr on pr.slug = q.provider
  where (d.provider_kinds is null or pr.kind = any(d.provider_kinds))
    and (d.regions is null or q.region = any(d.regions))
    and (d.kind <> 'model' or coalesce(q.service_tier, 'standard') = d.service_tier)
    and (q.segment <> 'reserved' or q.term_months = d.term_months)
),
-- §3.3 For each contributor c = (provider, product), segment s and UTC day: the median of that day's quotes.
-- Grouped by hashing, each group's few prices sorted on their own: cheaper than sorting every quote.
day_reps as (
  select e.code, e.provider, e.product, e.segment, e.observed_day as day,
    cpx_median_of(array_agg(e.usd_price)) as r,
    count(*)::int as n_quotes,
    array_agg(e.id) as quote_ids   -- in any order: sorted where listed
  from eligible e
  group by e.code, e.provider, e.product, e.segment, e.observed_day
),
-- §3.3 r(c,s) for fixing day D is the day rep of c's latest day of s on or before D. A day rep is the latest
-- for every D from its day up to the day before c's next day of s (at most widest−1 days later): expand
-- each day rep over exactly those D, with its age D − day. In window L it counts when age < L.
latest as (
  select dr.code, dr.provider, dr.product, dr.segment, dr.day + g.age as fix_date, g.age,
    dr.r, dr.n_quotes, dr.quote_ids
  from (
    select x.*, lead(x.day) over (partition by x.code, x.provider, x.product, x.segment order by x.day) as next_day
    from day_reps x
  ) dr
  join defs d on d.code = dr.code
  cross join lateral generate_series(greatest(p_from - dr.day, 0), least(d.widest - 1, p_to - dr.day, dr.next_day - dr.day - 1)) as g(age)
),
-- §3.4 r(c) per window L: one segment → r(c,s); a blend → Σ w(s)·r(c,s) / Σ w(s), only when c has every
-- weighted segment in the window (else it is listed, excluded as incomplete_blend, with the segments it has).
contrib as (
  select l.code, l.fix_date, w.len, l.provider, l.product,
    count(*) = d.n_segments as complete,
    sum(s.weight * l.r) / sum(s.weight) as r,
    jsonb_object_agg(l.segment, trim_scale(round(l.r, 6))) as segments,
    sum(l.n_quotes)::int as n_quotes,
    cpx_array_cat(l.quote_ids) as quote_ids
  from latest l
  join windows w on w.code = l.code and l.age < w.len
  join segs s on s.code = l.code and s.segment = l.segment
  join defs d on d.code = l.code
  group by l.code, l.fix_date, w.len, l.provider, l.product, d.n_segments
),
-- §3.5 Outlier screen over the complete contributors: with n ≥ 5, m = median r(c), MAD = median |r(c) − m|;
-- if MAD > 0, c is an outlier when |r(c) − m| > k × 1.4826 × MAD (strictly).
center as (
  select c.code, c.fix_date, c.len, count(*) as n, cpx_median(array_agg(c.r order by c.r)) as m
  from contrib c where c.complete
  group by c.code, c.fix_date, c.len
),
spread as (
  select c.code, c.fix_date, c.len, ce.n, ce.m,
    cpx_median(array_agg(abs(c.r - ce.m) order by abs(c.r - ce.m))) as mad
  from contrib c join center ce using (code, fix_date, len)
  where c.complete
  group by c.code, c.fix_date, c.len, ce.n, ce.m
),
screened as (
  select c.*,
    case
      when not c.complete then 'incomplete_blend'
      when sp.n >= 5 and sp.mad > 0 and abs(c.r - sp.m) > d.outlier_k * 1.4826 * sp.mad then 'outlier'
    end as reason
  from contrib c
  join defs d on d.code = c.code
  left join spread sp on sp.code = c.code and sp.fix_date = c.fix_date and sp.len = c.len
),
-- §3.6, §3.8 Statistics of the remaining contributors of each window.
provider_shares as (
  select s.code, s.fix_date, s.len, s.provider, count(*) as k
  from screened s where s.reason is null
  group by s.code, s.fix_date, s.len, s.provider
),
concentration as (
  -- hhi = Σ_p (k_p / n)² = Σ k_p² / n², computed as one exact division
  select code, fix_date, len, count(*)::int as n_providers, sum(k * k)::numeric / (sum(k) * sum(k)) as hhi
  from provider_shares
  group by code, fix_date, len
),
window_stats as (
  select s.code, s.fix_date, s.len,
    count(*) filter (where s.reason is null)::int as n_contributors,
    coalesce(sum(s.n_quotes) filter (where s.reason is null), 0)::int as n_quotes,
    count(*) filter (where s.reason is not null)::int as n_excluded,
    array_agg(s.r order by s.r) filter (where s.reason is null) as rs
  from screened s
  group by s.code, s.fix_date, s.len
),
-- Every (index, day, window), with or without contributors. L yields a value when the remaining
-- contributors come from ≥ min_providers providers and stand on ≥ min_quotes quotes.
per_window as (
  select d.code, g.day::date as fix_date, w.len, w.ord,
    coalesce(cn.n_providers, 0) as n_providers,
    coalesce(ws.n_contributors, 0) as n_contributors,
    coalesce(ws.n_quotes, 0) as n_quotes,
    coalesce(ws.n_excluded, 0) as n_excluded,
    ws.rs, cn.hhi,
    coalesce(cn.n_providers, 0) >= d.min_providers and coalesce(ws.n_quotes, 0) >= d.min_quotes as yields
  from defs d
  join windows w on w.code = d.code
  cross join generate_series(p_from, p_to, interval '1 day') as g(day)
  left join window_stats ws on ws.code = d.code and ws.fix_date = g.day::date and ws.len = w.len
  left join concentration cn on cn.code = d.code and cn.fix_date = g.day::date and cn.len = w.len
),
-- The first window in the definition's order that yields a value; if none does, the widest window.
chosen as (
  select distinct on (pw.code, pw.fix_date) pw.*
  from per_window pw
  order by pw.code, pw.fix_date, pw.yields desc, case when pw.yields then pw.ord end, pw.len desc
),
-- §3.7 value: median or trimmed mean of the remaining r(c).
valued as (
  select c.*, case when c.yields then cpx_statistic(c.rs, d.statistic, d.trim_fraction) end as value
  from chosen c join defs d on d.code = c.code
),
-- §3.8 max_provider_impact: the largest |value − value without provider p|, recomputed on the remaining
-- contributors minus p's (no second outlier pass); null when dropping a provider leaves < min_providers.
without_provider as (
  select v.code, v.fix_date, p.provider,
    cpx_statistic(array_agg(s.r order by s.r), d.statistic, d.trim_fraction) as value
  from valued v
  join defs d on d.code = v.code
  join provider_shares p on p.code = v.code and p.fix_date = v.fix_date and p.len = v.len
  join screened s on s.code = v.code and s.fix_date = v.fix_date and s.len = v.len
    and s.reason is null and s.provider <> p.provider
  where v.yields and v.n_providers - 1 >= d.min_providers
  group by v.code, v.fix_date, p.provider, d.statistic, d.trim_fraction
),
impact as (
  select wp.code, wp.fix_date, max(abs(v.value - wp.value)) as max_provider_impact
  from without_provider wp join valued v using (code, fix_date)
  group by wp.code, wp.fix_date
),
-- Every contributor of the published window (of the widest when insufficient), excluded or not.
listed as (
  select s.code, s.fix_date,
    jsonb_agg(jsonb_build_object(
      'provider', s.provider, 'product', s.product,
      'value', case when s.complete then trim_scale(round(s.r, 6)) end,
      'segments', s.segments, 'n_quotes', s.n_quotes,
      'quote_ids', (select jsonb_agg(x order by x) from unnest(s.quote_ids) x),
      'excluded', s.reason is not null, 'reason', s.reason
    ) order by s.provider collate "C", s.product collate "C") as constituents
  from screened s join chosen c on c.code = s.code and c.fix_date = s.fix_date and c.len = s.len
  group by s.code, s.fix_date
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
    coalesce(l.constituents, '[]'::jsonb) as constituents
  from valued v
  join defs d on d.code = v.code
  left join impact i on i.code = v.code and i.fix_date = v.fix_date
  left join listed l on l.code = v.code and l.fix_date = v.fix_date
),
-- §3.9 level = 100 × value / value(base_date), both published 6-decimal values. The base value is this
-- computation's when the base day is in [from, to] (it is what gets published), else the base day's
-- current stored revision; null when the base day has no ok fixing.
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
  'sha256:' || encode(sha256(convert_to(cpx_canonical_text(x.code, x.fix_date, x.status, x.value, x.level, x.window_days,
    x.n_providers, x.n_contributors, x.n_quotes, x.n_excluded, x.min, x.p25, x.p75, x.max, x.hhi,
    x.max_provider_impact, x.constituents), 'UTF8')), 'hex')
from leveled x
order by x.code, x.fix_date;
end
$$;

comment on function cpx_compute_fixings(text[], date, date) is
  'Methodology v1 (DESIGN §3): the fixing of each index in codes for each day in [from, to], figures rounded to 6 dp, constituents as jsonb, and the sha256 hash of the canonical text. Read-only.';
