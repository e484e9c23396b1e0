-- 0045_run_git_commits.sql
-- `cpx import <source> --git-history CLONE`: one run per commit of the price file, observed at the
-- commit's time; the commit id is the run's provenance, and a commit imported once is not imported again.
alter table source_runs add column git_commit text check (git_commit ~ '^[0-9a-f]{40}([0-9a-f]{24})?$');
create index source_runs_by_commit on source_runs (importer, git_commit) where git_commit is not null;
