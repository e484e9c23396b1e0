-- cpx_basket_value: one day of a basket, computed from its components' stored fixings as of a time, with its inputs and hash.
-- docs/methodology.md "Baskets" §B1–§B7 (percent and quantity values, chain-linking, status, hash).
--
-- The version in force on p_date is the one with the latest effective_from on or before it, among the
-- versions stored by p_at. Percent: base_value × Σ w_i/100 × I_i(t)/I_i(b); a later percent version is
-- chain-linked: b = the day before it took effect, base_value = the basket's value that day (§B3).
-- Quantity: Σ q_i × I_i(t) (USD). All numeric; the published value is rounded to 6 decimals.
create or replace function cpx_basket_value(p_code text, p_date date, p_at timestamptz default 'infinity')
returns cpx_basket_day language plpgsql stable as $$
declare
  v basket_versions;
  c basket_components;
  cur cpx_basket_input;
  base cpx_basket_input;
  link cpx_basket_day;
  base_value numeric;
  base_date date;
  total numeric := 0;
  failed text[] := '{}';
  inputs jsonb := '[]';
  out_status text;
  out_value numeric;
  canonical text;
begin
  select * into v from basket_versions bv
  where bv.code = p_code and bv.effective_from <= p_date and bv.changed_at <= p_at
  order by bv.effective_from desc limit 1;
  if not found then
    return row(p_code, p_date, null, null, 'not_defined', null, '{}'::text[], '[]'::jsonb, null)::cpx_basket_day;
  end if;
  if v.mode = 'percent' then
    if v.base_date is not null then
      base_value := v.base_value;
      base_date := v.base_date;
    else
      base_date := v.effective_from - 1;
      link := cpx_basket_value(p_code, base_date, p_at);
      inputs := inputs || jsonb_build_object('code', p_code, 'kind', 'link', 'date', base_date, 'status', link.status,
        'version', link.version, 'hash', link.hash, 'value', round(link.value, 6));
      if link.status = 'ok' then base_value := link.value; else failed := failed || (p_code || '@' || base_date); end if;
    end if;
  end if;
  for c in select * from basket_components bc where bc.code = p_code and bc.version = v.version order by bc.component loop
    cur := cpx_basket_input(c.kind, c.component, p_date, p_at);
    inputs := inputs || (cur.entry || jsonb_build_object('role', 'day'));
    if v.mode = 'percent' then
      base := cpx_basket_input(c.kind, c.component, base_date, p_at);
      inputs := inputs || (base.entry || jsonb_build_object('role', 'base'));
      if base.status <> 'ok' or base.value = 0 then
        failed := failed || (c.component || '@' || base_date);
      elsif cur.status <> 'ok' then
        failed := failed || c.component;
      else
        total := total + c.amount / 100 * cur.value / base.value;
      end if;
    elsif cur.status <> 'ok' then
      failed := failed || c.component;
    else
      total := total + c.amount * cur.value;
    end if;
  end loop;
  if cardinality(failed) = 0 then
    out_status := 'ok';
    out_value := case when v.mode = 'percent' then base_value * total else total end;
  else
    out_status := 'component_failed';
  end if;
  canonical := cpx_basket_canonical_text(p_code, p_date, v.version, v.mode, out_status, round(out_value, 6), failed, inputs);
  return row(p_code, p_date, v.version, v.mode, out_status, out_value, failed, inputs,
    'sha256:' || encode(sha256(convert_to(canonical, 'UTF8')), 'hex'))::cpx_basket_day;
end
$$;
