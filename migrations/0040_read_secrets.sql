-- 0040_read_secrets.sql
-- A secret shared by every app instance on this database. It signs the opaque pagination cursors of
-- the read API, so a cursor issued by one instance is honoured by another behind a load balancer,
-- and a cursor that was edited is refused. gen_random_uuid() is a CSPRNG; two of them give 244 bits.
create table cpx_secrets (
  name        text primary key,
  secret      text not null,
  created_at  timestamptz not null default now()
);
insert into cpx_secrets (name, secret)
values ('cursor', md5(gen_random_uuid()::text) || md5(gen_random_uuid()::text));
