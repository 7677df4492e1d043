-- Foundation: schools, accounts, cases with their authors, online targets,
-- evidence and timeline, and the audit trail.

create type account_role as enum ('school_staff', 'helpline', 'admin');
create type case_status as enum ('open', 'referred', 'in_progress', 'awaiting_school', 'returned', 'closed');
create type urgency as enum ('normal', 'high', 'danger');
create type victim_kind as enum ('pupil', 'staff');

create table schools (
    id          uuid primary key,
    uai         text not null unique check (uai ~ '^[0-9]{7}[A-Z]$'),
    name        text not null check (length(name) between 1 and 200),
    town        text not null check (length(town) between 1 and 100),
    academie    text not null check (length(academie) between 1 and 100),
    created_at  timestamptz not null default now()
);
create index schools_academie_idx on schools (academie);

create table accounts (
    id             uuid primary key,
    email          text not null unique check (email = lower(email)),
    display_name   text not null,
    role           account_role not null,
    password_hash  text not null,
    active         boolean not null default true,
    created_at     timestamptz not null default now()
);

create table account_schools (
    account_id  uuid not null references accounts (id) on delete cascade,
    school_id   uuid not null references schools (id) on delete cascade,
    primary key (account_id, school_id)
);
create index account_schools_school_idx on account_schools (school_id);

create sequence case_reference_seq;

create table cases (
    id                 uuid primary key,
    reference          text not null unique,
    school_id          uuid not null references schools (id),
    status             case_status not null default 'open',
    urgency            urgency not null,
    victim_kind        victim_kind not null,
    victim_name        text not null check (length(victim_name) between 1 and 200),
    -- class for a pupil, function for a staff member
    victim_group       text not null default '',
    description        text not null check (length(description) between 1 and 20000),
    started_on         date,
    platforms          text[] not null default '{}',
    kinds              text[] not null default '{}',
    -- the guide's checklist, as ticked when the case was opened
    victim_secured     boolean not null default false,
    evidence_preserved boolean not null default false,
    families_informed  boolean not null default false,
    authorities_told   boolean not null default false,
    created_by         uuid references accounts (id),
    created_at         timestamptz not null default now(),
    last_activity_at   timestamptz not null default now(),
    referred_at        timestamptz,
    claimed_by         uuid references accounts (id),
    claimed_at         timestamptz,
    closed_at          timestamptz,
    outcome            text,
    legal_hold         boolean not null default false
);
create index cases_school_activity_idx on cases (school_id, last_activity_at desc, id);
create index cases_school_status_idx on cases (school_id, status);

create table case_authors (
    id          uuid primary key,
    case_id     uuid not null references cases (id) on delete cascade,
    position    int not null,
    kind        text not null check (kind in ('pupil', 'unknown', 'adult', 'outside')),
    name        text not null default '',
    group_name  text not null default ''
);
create index case_authors_case_idx on case_authors (case_id, position);

create table online_targets (
    id          uuid primary key,
    -- insertion order (rows of one transaction share their timestamp)
    seq         bigint generated always as identity,
    case_id     uuid not null references cases (id) on delete cascade,
    platform    text not null,
    target      text not null check (length(target) between 1 and 2000),
    added_by    uuid references accounts (id),
    added_at    timestamptz not null default now()
);
create index online_targets_case_idx on online_targets (case_id, seq);

create table evidence (
    id             uuid primary key,
    seq            bigint generated always as identity,
    case_id        uuid not null references cases (id) on delete cascade,
    storage_key    text not null unique,
    original_name  text not null,
    mime_type      text not null,
    size_bytes     bigint not null check (size_bytes >= 0),
    sha256         text not null check (sha256 ~ '^[0-9a-f]{64}$'),
    added_by       uuid references accounts (id),
    added_at       timestamptz not null default now()
);
create index evidence_case_idx on evidence (case_id, seq);

create table case_events (
    id          bigint generated always as identity primary key,
    case_id     uuid not null references cases (id) on delete cascade,
    actor_id    uuid references accounts (id),
    kind        text not null,
    note        text,
    data        jsonb not null default '{}',
    created_at  timestamptz not null default now()
);
create index case_events_case_idx on case_events (case_id, id);

-- Timeline entries and evidence are never modified; only the retention purge
-- (which sets vigie.purge = 'on' in its transaction) may delete them.
create function refuse_change() returns trigger language plpgsql as $$
begin
    if tg_op = 'DELETE' and current_setting('vigie.purge', true) = 'on' then
        return old;
    end if;
    raise exception '% on % is not allowed', tg_op, tg_table_name using errcode = 'P0001';
end $$;

create trigger case_events_append_only before update or delete on case_events
    for each row execute function refuse_change();
create trigger evidence_immutable before update or delete on evidence
    for each row execute function refuse_change();

create table audit_log (
    id           bigint generated always as identity primary key,
    at           timestamptz not null default now(),
    actor_id     uuid,
    action       text not null,
    record_type  text not null,
    record_id    uuid,
    result       text not null
);
create index audit_log_at_idx on audit_log (at);
create index audit_log_record_idx on audit_log (record_type, record_id, at);
