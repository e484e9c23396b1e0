-- cpx_basket_input: one input of a basket's day: a component index's fixing, or a component basket's value, as of a time.
-- docs/methodology.md "Baskets" §B6 (inputs are stored fixings, read point-in-time like cpx_fixing_as_of).
--
-- The entry names what was used (code, date, revision or version, hash) so the value can be re-derived.
create or replace function cpx_basket_input(p_kind text, p_code text, p_date date, p_at timestamptz default 'infinity')
returns cpx_basket_input language plpgsql stable as $$
declare
  f fixings;
  b cpx_basket_day;
begin
  if p_kind = 'index' then
    select * into f from cpx_fixing_as_of(p_code, p_date, p_at);
    if not found then
      return row('missing', null::numeric, jsonb_build_object('code', p_code, 'kind', 'index', 'date', p_date, 'status', 'missing'))::cpx_basket_input;
    end if;
    return row(f.status, f.value, jsonb_build_object('code', p_code, 'kind', 'index', 'date', p_date, 'status', f.status,
      'revision', f.revision, 'hash', f.hash, 'value', f.value))::cpx_basket_input;
  end if;
  b := cpx_basket_value(p_code, p_date, p_at);
  return row(b.status, b.value, jsonb_build_object('code', p_code, 'kind', 'basket', 'date', p_date, 'status', b.status,
    'version', b.version, 'hash', b.hash, 'value', round(b.value, 6)))::cpx_basket_input;
end
$$;
