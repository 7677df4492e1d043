-- Each server keeps the sessions and the accounts behind them in memory
-- (auth::cache). PostgreSQL stays the truth: whoever changes a session or
-- what an account may do — a server, the command line, SQL by hand — these
-- triggers announce it at commit, and every server forgets it at once.

-- The session store's table, as tower-sessions creates it (it does so
-- after our migrations; `if not exists` on both sides).
create schema if not exists tower_sessions;
create table if not exists tower_sessions.session (
    id text primary key not null,
    data bytea not null,
    expiry_date timestamptz not null
);

create function notify_session_change() returns trigger language plpgsql as $$
begin
    perform pg_notify('vigie_session', old.id);
    return null;
end $$;

create trigger session_changed after update or delete on tower_sessions.session
    for each row execute function notify_session_change();

-- What an account may do: active, role, name, when its sessions were ended,
-- its schools and académies. (Not the second factor's last step, written at
-- every sign-in.)
create function notify_account_change() returns trigger language plpgsql as $$
begin
    if tg_op in ('UPDATE', 'DELETE') then
        perform pg_notify('vigie_account', account_of(tg_table_name, old)::text);
    end if;
    if tg_op in ('INSERT', 'UPDATE') then
        perform pg_notify('vigie_account', account_of(tg_table_name, new)::text);
    end if;
    return null;
end $$;

-- The account a row of `accounts`, `account_schools` or `account_academies`
-- is about.
create function account_of(t name, r record) returns uuid language plpgsql as $$
begin
    if t = 'accounts' then
        return r.id;
    end if;
    return r.account_id;
end $$;

create trigger account_changed after update on accounts
    for each row
    when ((old.active, old.role, old.display_name, old.sessions_valid_after)
          is distinct from (new.active, new.role, new.display_name, new.sessions_valid_after))
    execute function notify_account_change();
create trigger account_deleted after delete on accounts
    for each row execute function notify_account_change();
create trigger account_schools_changed after insert or update or delete on account_schools
    for each row execute function notify_account_change();
create trigger account_academies_changed after insert or update or delete on account_academies
    for each row execute function notify_account_change();
