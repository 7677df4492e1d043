-- A tamper-evident audit trail. Each row carries its place in the chain,
-- its canonical bytes, the previous row's hash and its own:
--   hash = sha256(prev_hash || canonical)
-- The order is the order in which writers took the single-row head (locked
-- until their transaction ends), not a sequence: ids are given out of
-- commit order. Rows cannot be changed; only the retention purge deletes,
-- a prefix of the chain, leaving a signed checkpoint.
create table audit_head (
    one   boolean primary key default true check (one),
    seq   bigint not null,
    hash  bytea not null
);
insert into audit_head values (true, 0, '\x0000000000000000000000000000000000000000000000000000000000000000');

alter table audit_log
    add column chain_seq  bigint unique,
    add column canonical  text,
    add column prev_hash  bytea,
    add column hash       bytea;

create function audit_chain() returns trigger language plpgsql as $$
declare
    h audit_head%rowtype;
begin
    select * into h from audit_head for update;
    new.chain_seq := h.seq + 1;
    new.prev_hash := h.hash;
    new.canonical := concat_ws('|', 'v1', new.chain_seq::text,
        (extract(epoch from new.at) * 1000000)::bigint::text,
        coalesce(new.actor_id::text, ''), new.action, new.record_type,
        coalesce(new.record_id::text, ''), new.result);
    new.hash := sha256(h.hash || convert_to(new.canonical, 'UTF8'));
    update audit_head set seq = new.chain_seq, hash = new.hash;
    return new;
end $$;

-- The rows written before the chain existed join it, in id order.
do $$
declare
    r record;
    h audit_head%rowtype;
    c text;
    x bytea;
begin
    for r in select * from audit_log order by id loop
        select * into h from audit_head;
        c := concat_ws('|', 'v1', (h.seq + 1)::text,
            (extract(epoch from r.at) * 1000000)::bigint::text,
            coalesce(r.actor_id::text, ''), r.action, r.record_type,
            coalesce(r.record_id::text, ''), r.result);
        x := sha256(h.hash || convert_to(c, 'UTF8'));
        update audit_log set chain_seq = h.seq + 1, canonical = c, prev_hash = h.hash, hash = x
         where id = r.id;
        update audit_head set seq = h.seq + 1, hash = x;
    end loop;
end $$;

alter table audit_log
    alter column chain_seq set not null,
    alter column canonical set not null,
    alter column prev_hash set not null,
    alter column hash set not null;

-- The administrators' viewer: by account, newest first.
create index audit_log_actor_idx on audit_log (actor_id, chain_seq);

create trigger audit_chain before insert on audit_log
    for each row execute function audit_chain();

create function audit_refuse_change() returns trigger language plpgsql as $$
begin
    if tg_op = 'DELETE' and current_setting('vigie.purge', true) = 'on' then
        return old;
    end if;
    raise exception 'audit_log rows cannot be changed or deleted (%)', tg_op;
end $$;
create trigger audit_no_change before update or delete on audit_log
    for each row execute function audit_refuse_change();
create trigger audit_no_truncate before truncate on audit_log
    for each statement execute function audit_refuse_change();

-- What the purge leaves: the last purged row's place and hash, signed with
-- the installation's Ed25519 key, so the chain stays verifiable.
create table audit_checkpoints (
    id            bigint generated always as identity primary key,
    made_at       timestamptz not null default now(),
    up_to_seq     bigint not null,
    hash          bytea not null,
    rows_deleted  bigint not null,
    signature     bytea not null
);

-- The head written out once a day (log and mail), so a rewrite of the
-- whole chain shows from outside.
create table audit_anchors (
    day   date primary key,
    seq   bigint not null,
    hash  bytea not null
);
