-- cpx_product_tier: the tier a model product is counted under on a day (dated tiers, #17).
-- DESIGN §3.2 (the index's product filters; a tier filter reads the tier as of the fixing date).
--
-- The latest model_tiers row for the product effective on or before the day, else products.tier.
create or replace function cpx_product_tier(p_product text, p_day date) returns text
language sql stable as $$
  select coalesce(
    (select mt.tier from model_tiers mt where mt.product = p_product and mt.effective_from <= p_day
      order by mt.effective_from desc limit 1),
    (select p.tier from products p where p.code = p_product))
$$;
