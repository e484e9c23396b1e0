-- cpx_basket_canonical_text: the canonical text of one basket day, whose sha256 is the day's hash.
-- docs/methodology.md "Baskets" §B7 (identical inputs give the identical hash).
--
-- One line per field; the inputs as jsonb text (keys in jsonb's fixed order), the value to 6 decimals.
-- A check: select hash = 'sha256:' || encode(sha256(convert_to(cpx_basket_canonical_text(code, date, version,
-- mode, status, round(value, 6), failed, inputs), 'UTF8')), 'hex') from cpx_basket_value('CODE', 'YYYY-MM-DD').
create or replace function cpx_basket_canonical_text(p_code text, p_date date, p_version integer, p_mode text,
  p_status text, p_value numeric, p_failed text[], p_inputs jsonb) returns text
language sql immutable as $$
  select concat_ws(E'\n', 'cpx-basket-v1', p_code, p_date::text, p_version::text, p_mode, p_status,
    coalesce(p_value::text, ''), array_to_string(p_failed, ','), p_inputs::text)
$$;
