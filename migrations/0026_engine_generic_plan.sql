-- 0026_engine_generic_plan.sql
-- cpx_compute_fixings is one large statement whose planning costs several milliseconds (a one-day fixing of
-- the catalog runs in a few tens). Its row estimates are not what decides its plan (0021 turns nested loops
-- off because they are unknowable), so the plan made without the parameters' values is as good as one made
-- with them: PL/pgSQL then plans it once per connection instead of on every call.
alter function cpx_compute_fixings(text[], date, date) set plan_cache_mode = force_generic_plan;
