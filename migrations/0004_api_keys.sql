-- 0004_api_keys.sql
-- Keys are stored as SHA-256 of the secret: a leaked table gives no usable key. The prefix is the
-- key's first characters, shown in listings so a user can tell keys apart.
create table api_keys (
  id          bigint generated always as identity primary key,
  name        text not null check (length(name) between 1 and 200),
  scope       text not null check (scope in ('read', 'ingest', 'admin')),
  prefix      text not null,
  key_hash    text not null unique check (key_hash ~ '^[0-9a-f]{64}$'),
  created_at  timestamptz not null default now(),
  revoked_at  timestamptz,
  last_used_at timestamptz
);
