-- 0044_source_health.sql
-- A source's health in one place (GET /v1/sources, /metrics, an index's latest answer): its runs, its
-- last success, and the stale alarm: enabled, and no successful run within stale_after_seconds (three
-- intervals unless set), or never. A disabled source never alarms.
create view source_health as
select s.name,
  max(r.started_at) as last_run_at,
  max(r.finished_at) filter (where r.status = 'ok') as last_success_at,
  count(r.id)::int as runs,
  (count(r.id) filter (where r.status = 'failed'))::int as failures,
  coalesce(sum(r.accepted), 0)::int as quotes_accepted,
  coalesce(s.stale_after_seconds, 3 * s.interval_seconds) as stale_after_seconds,
  s.enabled and coalesce(max(r.finished_at) filter (where r.status = 'ok')
    < clock_timestamp() - make_interval(secs => coalesce(s.stale_after_seconds, 3 * s.interval_seconds)), true) as stale
from sources s
left join source_runs r on r.source = s.name
group by s.name;
