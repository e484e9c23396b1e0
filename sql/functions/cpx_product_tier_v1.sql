-- cpx_product_tier_v1: the tier the v1 engine counts a model product under on a day (dated tiers, #17).
-- DESIGN §3.2 (the index's product filters; a tier filter reads the tier as of the fixing date).
--
-- As cpx_product_tier, over the model_tiers rows that apply to v1 (v2_only = false) only: the seeded
-- table (migration 0069) is v2_only, so every v1 fixing and hash stays as it was published.
create or replace function cpx_product_tier_v1(p_product text, p_day date) returns text
language sql stable as $$
  select coalesce(
    (select mt.tier from model_tiers mt where mt.product = p_product and mt.effective_from <= p_day
      and not mt.v2_only
      order by mt.effective_from desc limit 1),
    (select p.tier from products p where p.code = p_product))
$$;
