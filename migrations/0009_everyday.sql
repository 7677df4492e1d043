-- The everyday gaps (issue 14): restricted staff-victim cases, internal
-- helpline notes, answers to proposed interventions, sanctions that name
-- their author, and the indexes that find an author in a school's other
-- cases.

-- A case whose victim is a member of staff can be limited to named
-- leadership accounts of its school; the others read it as absent (404).
alter table cases add column restricted boolean not null default false;
create table case_access (
    case_id     uuid not null references cases (id) on delete cascade,
    account_id  uuid not null references accounts (id),
    primary key (case_id, account_id)
);
create index case_access_account_idx on case_access (account_id, case_id);

-- Notes only the helpline reads: never shown to the school.
alter table case_events add column internal boolean not null default false;

-- The school accepts (with a date) or declines an intervention.
alter table interventions
    add column answer       text check (answer in ('accepted', 'declined')),
    add column scheduled_on date,
    add column answer_note  text not null default '',
    add column answered_by  uuid references accounts (id),
    add column answered_at  timestamptz,
    add constraint interventions_scheduled_when_accepted
        check ((answer = 'accepted') = (scheduled_on is not null) or answer is null);

-- A sanction concerns one of the case's alleged authors.
alter table sanctions add column author_id uuid references case_authors (id) on delete set null;

-- Repeat authors: the same name, or the same account on the same platform,
-- in another case of the same school.
create index case_authors_name_idx on case_authors (lower(name)) where name <> '';
create index online_targets_value_idx on online_targets (platform, lower(target));

-- Whether a case of one's school is open to an account: not restricted, or
-- the account is among those named (inlined by the planner).
create function case_open_to(case_id uuid, restricted boolean, account uuid) returns boolean
    language sql stable as $$
    select not restricted
        or exists (select 1 from case_access a where a.case_id = $1 and a.account_id = $3)
$$;
