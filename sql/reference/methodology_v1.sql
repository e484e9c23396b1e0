-- sql/reference/methodology_v1.sql
-- Methodology v1 (DESIGN §3) written for reading, not for speed: the plain reference that the fast engine
-- cpx_compute_fixings is tested equal to (test/engine-reference.test.ts). Same inputs, same outputs.
--
-- Read it beside DESIGN §3: after a preamble (the definitions, §2), there is one CTE per paragraph, in
-- the order of §3, each headed by the paragraph's number and what it says. Every (index, day, window) is
-- computed in full and on its own: no window is skipped because an earlier one already yields, no read is
-- shared between indices, nothing is looked up by its position in an array. Medians, percentiles, the
-- trimmed mean, normalization and the canonical text are written out here rather than borrowed from the
-- engine's helpers, so that this file checks them too. docs/methodology.md walks through it.
--
-- Applied with create or replace (idempotent); it stores nothing and changes nothing.

-- percentile_cont(p) in exact numeric (§3.8): on the sorted list x₀ ≤ … ≤ xₙ₋₁ take the position
-- h = p·(n − 1) and interpolate linearly between the values at positions ⌊h⌋ and ⌈h⌉. Null for no values.
-- Postgres's own percentile_cont takes double precision only.
create or replace function cpx_reference_percentile_final(xs numeric[], p numeric, unused numeric)
returns numeric language sql immutable as $$
  with ranked as (
    select x, row_number() over (order by x) - 1 as position from unnest(xs) x
  ),
  h as (
    select p * (count(*) - 1) as h from ranked
  )
  select lo.x + (h.h - floor(h.h)) * (hi.x - lo.x)
  from h
  join ranked lo on lo.position = floor(h.h)
  join ranked hi on hi.position = ceil(h.h)
$$;

-- Used as percentile_cont is: cpx_reference_percentile(0.5) within group (order by x) is the median.
create or replace aggregate cpx_reference_percentile(numeric order by numeric) (
  sfunc = array_append, stype = numeric[], finalfunc = cpx_reference_percentile_final, finalfunc_extra
);

-- The trimmed mean (§3.7): sort the n values, drop ⌊trim·n⌋ from each end, mean of the rest.
create or replace function cpx_reference_trimmed_mean_final(xs numeric[], trim_fraction numeric, unused numeric)
returns numeric language sql immutable as $$
  with ranked as (
    select x, row_number() over (order by x) as rank, count(*) over () as n from unnest(xs) x
  )
  select avg(x) from ranked
  where rank > floor(trim_fraction * n) and rank <= n - floor(trim_fraction * n)
$$;

-- Used as cpx_reference_trimmed_mean(0.1) within group (order by x).
create or replace aggregate cpx_reference_trimmed_mean(numeric order by numeric) (
  sfunc = array_append, stype = numeric[], finalfunc = cpx_reference_trimmed_mean_final, finalfunc_extra
);

create or replace function cpx_compute_fixings_reference(p_codes text[], p_from date, p_to date)
returns table (
  index_code text, date date, methodology_version int, status text, value numeric, level numeric,
  window_days int, n_providers int, n_contributors int, n_quotes int, n_excluded int,
  min numeric, p25 numeric, p75 numeric, max numeric, hhi numeric, max_provider_impact numeric,
  constituents cpx_constituent[], hash text
)
language sql stable
-- Planner settings only, as the fast engine has them: the sizes of these sets cannot be estimated, and
-- nested loops over them go quadratic; JIT would spend longer compiling the plan than running it.
set enable_nestloop = off
set jit = off
as $$
with

-- §2 Index definition: filters and methodology parameters, with v1's defaults where a field is missing.
-- A filter field that is null does not filter; service_tier null means standard.
definitions as (
  select d.code, d.kind, d.methodology_version, d.segments, d.term_months,
    case when jsonb_typeof(d.filter->'families') = 'array' then array(select jsonb_array_elements_text(d.filter->'families')) end as families,
    case when jsonb_typeof(d.filter->'variants') = 'array' then array(select jsonb_array_elements_text(d.filter->'variants')) end as variants,
    case when jsonb_typeof(d.filter->'tiers') = 'array' then array(select jsonb_array_elements_text(d.filter->'tiers')) end as tiers,
    (d.filter->>'open_weights')::boolean as open_weights,
    case when jsonb_typeof(d.filter->'products') = 'array' then array(select jsonb_array_elements_text(d.filter->'products')) end as products,
    case when jsonb_typeof(d.filter->'provider_kinds') = 'array' then array(select jsonb_array_elements_text(d.filter->'provider_kinds')) end as provider_kinds,
    case when jsonb_typeof(d.filter->'regions') = 'array' then array(select jsonb_array_elements_text(d.filter->'regions')) end as regions,
    coalesce(d.filter->>'service_tier', 'standard') as service_tier,
    coalesce(d.methodology->>'statistic', 'median') as statistic,
    coalesce((d.methodology->>'trim')::numeric, 0.1) as trim_fraction,
    coalesce((d.methodology->>'min_providers')::int, 3) as min_providers,
    coalesce((d.methodology->>'min_quotes')::int, 5) as min_quotes,
    coalesce((d.methodology->>'outlier_k')::numeric, 3.5) as outlier_k,
    (d.methodology->>'base_date')::date as base_date,
    coalesce(d.methodology->'windows', '[1, 3, 7]') as windows,
    (select count(*) from jsonb_object_keys(d.segments)) as n_segments
  from index_definitions d
  where d.code = any(p_codes)
),

-- §2 Segments with weights: one segment, or a blend such as input 3 : output 1.
weights as (
  select d.code, s.key as segment, s.value::text::numeric as weight
  from definitions d, jsonb_each(d.segments) s
),

-- §3 (opening) For index X and UTC day D, try each window length L in X's windows in order.
attempts as (
  select d.code, g.day::date as day, w.len::int as len, w.ord as try_order
  from definitions d
  cross join generate_series(p_from, p_to, interval '1 day') g(day)
  cross join jsonb_array_elements_text(d.windows) with ordinality w(len, ord)
),

-- §3.1 Window W = [D − (L−1) days at 00:00Z, D + 1 day at 00:00Z).
windows as (
  select a.*,
    (a.day - (a.len - 1))::timestamp at time zone 'UTC' as starts_at,
    (a.day + 1)::timestamp at time zone 'UTC' as ends_at
  from attempts a
),

-- §3.2 Eligible quotes: observed in W; product, provider kind, region and service tier pass X's filters;
-- segment in X's segments; term_months as X needs. Each with its usd_price, normalized as §2 says from the
-- price as quoted and the FX rate stored with the quote: price × usd_per_unit × factor(unit), the
-- divisions last, rounded half away from zero to 10 decimal places.
eligible as (
  select w.code, w.day, w.len, q.id, q.provider collate "C" as provider, q.product collate "C" as product,
    q.segment collate "C" as segment, (q.observed_at at time zone 'UTC')::date as utc_day,
    round(case q.unit
      when 'gpu_hour' then q.price * q.fx_usd_per_unit
      when 'instance_hour' then q.price * q.fx_usd_per_unit / q.gpus_per_instance
      when 'gpu_month' then q.price * q.fx_usd_per_unit / 730
      when '1m_tokens' then q.price * q.fx_usd_per_unit
      when '1k_tokens' then q.price * q.fx_usd_per_unit * 1000
      when 'token' then q.price * q.fx_usd_per_unit * 1000000
    end, 10) as usd_price
  from windows w
  join definitions d on d.code = w.code
  join quotes q on q.observed_at >= w.starts_at and q.observed_at < w.ends_at
  join products p on p.code = q.product
  join providers pr on pr.slug = q.provider
  join weights ws on ws.code = d.code and ws.segment = q.segment   -- segment in X's segments
  where p.kind = d.kind
    and (d.families is null or p.family = any(d.families))
    and (d.variants is null or p.variant = any(d.variants))
    and (d.tiers is null or p.tier = any(d.tiers))
    and (d.open_weights is null or p.open_weights = d.open_weights)
    and (d.products is null or p.code = any(d.products))
    and (d.provider_kinds is null or pr.kind = any(d.provider_kinds))
    -- a quote without a region does not pass a region filter
    and (d.regions is null or q.region = any(d.regions))
    -- service tiers are a property of model quotes; a model quote without one is standard
    and (d.kind <> 'model' or coalesce(q.service_tier, 'standard') = d.service_tier)
    -- a reserved quote counts for the term the index is defined with, and only for it
    and (q.segment <> 'reserved' or q.term_months = d.term_months)
),

-- §3.3 (first sentence) A contributor c is a (provider, product) pair. For each c and segment s, take c's
-- quotes of s on the latest UTC day in W on which c quoted s.
quotes_of_latest_day as (
  select e.*
  from (
    select e.*, max(e.utc_day) over (partition by e.code, e.day, e.len, e.provider, e.product, e.segment) as latest_day
    from eligible e
  ) e
  where e.utc_day = e.latest_day
),

-- §3.3 (second sentence) The representative r(c,s) is the median of their usd_price.
representatives as (
  select q.code, q.day, q.len, q.provider, q.product, q.segment,
    cpx_reference_percentile(0.5) within group (order by q.usd_price) as r,
    count(*)::int as n_quotes
  from quotes_of_latest_day q
  group by q.code, q.day, q.len, q.provider, q.product, q.segment
),

-- §3.4 One segment: r(c) = r(c,s). Blend: c counts only if it has every weighted segment in W, and
-- r(c) = Σ w(s)·r(c,s) / Σ w(s); a c that lacks one is excluded with reason incomplete_blend.
contributors as (
  select rep.code, rep.day, rep.len, rep.provider, rep.product,
    count(*) = d.n_segments as complete,
    case
      when d.n_segments = 1 then min(rep.r)   -- its only r(c,s)
      when count(*) = d.n_segments then sum(w.weight * rep.r) / sum(w.weight)
    end as r,
    sum(rep.n_quotes)::int as n_quotes
  from representatives rep
  join definitions d on d.code = rep.code
  join weights w on w.code = rep.code and w.segment = rep.segment
  group by rep.code, rep.day, rep.len, rep.provider, rep.product, d.n_segments
),

-- §3.5 Outliers: with n ≥ 5 contributors, m = median of r(c), MAD = median of |r(c) − m|; if MAD > 0,
-- exclude c where |r(c) − m| > outlier_k × 1.4826 × MAD, with reason outlier. The n contributors are the
-- complete ones: an incomplete blend has no r(c).
screened as (
  select c.*,
    case
      when not c.complete then 'incomplete_blend'
      when s.n >= 5 and s.mad > 0 and abs(c.r - s.m) > d.outlier_k * 1.4826 * s.mad then 'outlier'
    end as reason
  from contributors c
  join definitions d on d.code = c.code
  left join (
    -- MAD: the median of the distances from m
    select c.code, c.day, c.len, centre.n, centre.m,
      cpx_reference_percentile(0.5) within group (order by abs(c.r - centre.m)) as mad
    from contributors c
    join (
      -- m: the median of r(c)
      select code, day, len, count(*) as n, cpx_reference_percentile(0.5) within group (order by r) as m
      from contributors where complete
      group by code, day, len
    ) centre using (code, day, len)
    where c.complete
    group by c.code, c.day, c.len, centre.n, centre.m
  ) s on s.code = c.code and s.day = c.day and s.len = c.len
),

-- §3.6 L yields a value when the remaining contributors come from at least min_providers distinct
-- providers and stand on at least min_quotes quotes (the quotes behind their representatives).
window_counts as (
  select a.code, a.day, a.len, a.try_order,
    count(s.provider) filter (where s.reason is null)::int as n_contributors,
    count(distinct s.provider) filter (where s.reason is null)::int as n_providers,
    coalesce(sum(s.n_quotes) filter (where s.reason is null), 0)::int as n_quotes,
    count(s.provider) filter (where s.reason is not null)::int as n_excluded,
    count(distinct s.provider) filter (where s.reason is null) >= d.min_providers
      and coalesce(sum(s.n_quotes) filter (where s.reason is null), 0) >= d.min_quotes as yields
  from attempts a
  join definitions d on d.code = a.code
  left join screened s on s.code = a.code and s.day = a.day and s.len = a.len
  group by a.code, a.day, a.len, a.try_order, d.min_providers, d.min_quotes
),

-- §3 (opening, continued) The first L that yields a value is used and published as window_days. If none
-- does, the fixing is insufficient_data with the statistics of the widest window.
chosen as (
  select x.code, x.day, x.len, x.yields, x.n_contributors, x.n_providers, x.n_quotes, x.n_excluded
  from (
    select x.*, row_number() over (
      partition by x.code, x.day
      -- windows that yield first, the earliest tried of them; when none yields, the widest
      order by x.yields desc, case when x.yields then x.try_order end, x.len desc) as pick
    from window_counts x
  ) x
  where x.pick = 1
),

-- The contributors that remain in the chosen window: not excluded for any reason.
remaining as (
  select s.code, s.day, s.len, s.provider, s.product, s.r
  from screened s
  join chosen ch on ch.code = s.code and ch.day = s.day and ch.len = s.len
  where s.reason is null
),

-- §3.7 value = median of the remaining r(c), or the trimmed mean (drop ⌊trim·n⌋ from each end of the
-- sorted list, mean of the rest). Only a window that yields has a value.
valued as (
  select ch.code, ch.day, v.value
  from chosen ch
  join (
    select r.code, r.day,
      case d.statistic
        when 'median' then cpx_reference_percentile(0.5) within group (order by r.r)
        when 'trimmed_mean' then cpx_reference_trimmed_mean(d.trim_fraction) within group (order by r.r)
      end as value
    from remaining r join definitions d on d.code = r.code
    group by r.code, r.day, d.statistic, d.trim_fraction
  ) v on v.code = ch.code and v.day = ch.day
  where ch.yields
),

-- §3.8 Published with each fixing: the counts of §3.6, min, p25, p75, max of the remaining r(c);
-- hhi = Σ over providers of (share of remaining contributors)², written Σ kₚ² / n² so that a share such
-- as 1/3 is not rounded before it is squared; max_provider_impact = the largest |value − value without
-- provider p| (the same statistic over the remaining contributors minus p's, no new outlier pass), null
-- when dropping a provider leaves fewer than min_providers. Rounded to 6 decimals as they are published.
figures as (
  select ch.code, ch.day, ch.len, ch.yields, ch.n_providers, ch.n_contributors, ch.n_quotes, ch.n_excluded,
    round(v.value, 6) as value,
    round(spread.min, 6) as min, round(spread.p25, 6) as p25, round(spread.p75, 6) as p75, round(spread.max, 6) as max,
    round(concentration.hhi, 6) as hhi,
    round(impact.max_provider_impact, 6) as max_provider_impact
  from chosen ch
  left join valued v on v.code = ch.code and v.day = ch.day
  left join (
    select code, day, min(r) as min, max(r) as max,
      cpx_reference_percentile(0.25) within group (order by r) as p25,
      cpx_reference_percentile(0.75) within group (order by r) as p75
    from remaining group by code, day
  ) spread on spread.code = ch.code and spread.day = ch.day
  left join (
    select code, day, sum(k * k)::numeric / (sum(k) * sum(k)) as hhi
    from (select code, day, provider, count(*) as k from remaining group by code, day, provider) shares
    group by code, day
  ) concentration on concentration.code = ch.code and concentration.day = ch.day
  left join (
    select without.code, without.day, max(abs(v.value - without.value)) as max_provider_impact
    from (
      -- for each remaining provider p: the statistic of the remaining contributors that are not p's
      select p.code, p.day, p.provider,
        case d.statistic
          when 'median' then cpx_reference_percentile(0.5) within group (order by r.r)
          when 'trimmed_mean' then cpx_reference_trimmed_mean(d.trim_fraction) within group (order by r.r)
        end as value
      from (select distinct code, day, provider from remaining) p
      join remaining r on r.code = p.code and r.day = p.day and r.provider <> p.provider
      join definitions d on d.code = p.code
      group by p.code, p.day, p.provider, d.statistic, d.trim_fraction
    ) without
    join valued v on v.code = without.code and v.day = without.day
    join chosen ch on ch.code = without.code and ch.day = without.day
    join definitions d on d.code = without.code
    where ch.n_providers - 1 >= d.min_providers
    group by without.code, without.day
  ) impact on impact.code = ch.code and impact.day = ch.day
),

-- §3.9 With base_date: level = 100 × value / value(base_date), both the published 6-decimal values (the
-- base day's current revision), rounded to 6 decimals; null when the base day has no ok fixing. When the
-- base day is one of the days computed here, its value computed here is the one that becomes current.
-- (A base value that rounds to 0 has no level either: there is nothing to divide by.)
leveled as (
  select f.*, round(100 * f.value / nullif(base.value, 0), 6) as level
  from figures f
  join definitions d on d.code = f.code
  left join lateral (
    select case
      when d.base_date between p_from and p_to then
        (select b.value from figures b where b.code = d.code and b.day = d.base_date)
      else
        (select s.value from fixings s where s.index_code = d.code and s.date = d.base_date order by s.revision desc limit 1)
    end as value
  ) base on d.base_date is not null
),

-- §4 / §5 Constituents: every contributor of the chosen window, excluded or not: r(c) (null for an
-- incomplete blend), its r(c,s) by segment, the number and ids of the quotes behind them, the reason of
-- an exclusion; published figures rounded to 6 decimals.
constituent_list as (
  select s.code, s.day, s.provider, s.product, s.complete, s.r, s.n_quotes, s.reason, seg.segments, seg.segment_text,
    ids.quote_ids
  from screened s
  join chosen ch on ch.code = s.code and ch.day = s.day and ch.len = s.len
  join (
    select code, day, len, provider, product,
      jsonb_object_agg(segment, trim_scale(round(r, 6))) as segments,
      string_agg(segment || '=' || round(r, 6)::text, ';' order by segment) as segment_text   -- for the hash
    from representatives
    group by code, day, len, provider, product
  ) seg on seg.code = s.code and seg.day = s.day and seg.len = s.len and seg.provider = s.provider and seg.product = s.product
  join (
    select code, day, len, provider, product, array_agg(id order by id) as quote_ids
    from quotes_of_latest_day
    group by code, day, len, provider, product
  ) ids on ids.code = s.code and ids.day = s.day and ids.len = s.len and ids.provider = s.provider and ids.product = s.product
),

-- §4 The constituents of each fixing, ordered by provider, product (byte order), and their lines of the
-- canonical text: provider|product|value|segment=r;…|n_quotes|id,…|excluded|reason (6 decimals, null empty).
listed as (
  select c.code, c.day,
    array_agg(row(c.provider, c.product, case when c.complete then trim_scale(round(c.r, 6)) end, c.segments,
        c.n_quotes, c.quote_ids, c.reason is not null, c.reason)::cpx_constituent
      order by c.provider collate "C", c.product collate "C") as constituents,
    string_agg(concat_ws('|', c.provider, c.product, coalesce(round(case when c.complete then c.r end, 6)::text, ''),
        c.segment_text, c.n_quotes::text, array_to_string(c.quote_ids, ','), (c.reason is not null)::text,
        coalesce(c.reason, '')),
      E'\n' order by c.provider collate "C", c.product collate "C") as lines
  from constituent_list c
  group by c.code, c.day
)

-- §3 (closing) status is ok or insufficient_data; an insufficient_data fixing has value, level and
-- max_provider_impact null, window_days the widest window and that window's other statistics.
-- §4 hash = SHA-256 of the canonical text: the line 'cpx-fixing-v1', the line of figures joined by '|'
-- (6 decimals, null empty), then the constituent lines.
select f.code, f.day, d.methodology_version,
  case when f.yields then 'ok' else 'insufficient_data' end,
  f.value, f.level, f.len, f.n_providers, f.n_contributors, f.n_quotes, f.n_excluded,
  f.min, f.p25, f.p75, f.max, f.hhi, f.max_provider_impact,
  coalesce(l.constituents, '{}'),
  'sha256:' || encode(sha256(convert_to(concat_ws(E'\n',
    'cpx-fixing-v1',
    concat_ws('|', f.code, f.day::text, case when f.yields then 'ok' else 'insufficient_data' end,
      coalesce(f.value::text, ''), coalesce(f.level::text, ''), f.len::text, f.n_providers::text,
      f.n_contributors::text, f.n_quotes::text, f.n_excluded::text, coalesce(f.min::text, ''),
      coalesce(f.p25::text, ''), coalesce(f.p75::text, ''), coalesce(f.max::text, ''), coalesce(f.hhi::text, ''),
      coalesce(f.max_provider_impact::text, '')),
    l.lines), 'UTF8')), 'hex')
from leveled f
join definitions d on d.code = f.code
left join listed l on l.code = f.code and l.day = f.day
order by f.code, f.day
$$;
