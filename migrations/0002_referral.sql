-- Referral to e-Enfance: the mail outbox, the helpline's records on a case
-- (platform requests, escalations, interventions) and the school's sanctions.

create type mail_status as enum ('queued', 'sent', 'dead');

create table outbox (
    id               bigint generated always as identity primary key,
    -- one Message-ID per mail, kept across retries
    message_id       text not null unique,
    kind             text not null,
    to_address       text not null,
    subject          text not null,
    body_text        text not null,
    case_id          uuid references cases (id) on delete set null,
    status           mail_status not null default 'queued',
    attempts         int not null default 0,
    next_attempt_at  timestamptz not null default now(),
    last_error       text,
    created_at       timestamptz not null default now(),
    sent_at          timestamptz
);
create index outbox_due_idx on outbox (next_attempt_at, id) where status = 'queued';
create index outbox_status_idx on outbox (status, created_at desc);

create type request_kind as enum ('account_closure', 'content_removal', 'data_preservation');
create type request_outcome as enum ('pending', 'done', 'refused', 'no_answer');

create table platform_requests (
    id                  uuid primary key,
    seq                 bigint generated always as identity,
    case_id             uuid not null references cases (id) on delete cascade,
    target_id           uuid not null references online_targets (id) on delete cascade,
    kind                request_kind not null,
    sent_on             date not null,
    platform_reference  text not null default '',
    outcome             request_outcome not null default 'pending',
    outcome_on          date,
    created_by          uuid references accounts (id),
    created_at          timestamptz not null default now()
);
create index platform_requests_case_idx on platform_requests (case_id, seq);
create index platform_requests_pending_idx on platform_requests (case_id, sent_on) where outcome = 'pending';

create table escalations (
    id            uuid primary key,
    seq           bigint generated always as identity,
    case_id       uuid not null references cases (id) on delete cascade,
    reference     text not null,
    escalated_on  date not null,
    created_by    uuid references accounts (id),
    created_at    timestamptz not null default now()
);
create index escalations_case_idx on escalations (case_id, seq);

create table interventions (
    id           uuid primary key,
    seq          bigint generated always as identity,
    case_id      uuid not null references cases (id) on delete cascade,
    proposed_on  date not null,
    topic        text not null,
    created_by   uuid references accounts (id),
    created_at   timestamptz not null default now()
);
create index interventions_case_idx on interventions (case_id, seq);

create type sanction_kind as enum (
    'warning', 'reprimand', 'responsibility_measure',
    'class_exclusion', 'school_exclusion', 'permanent_exclusion'
);

create table sanctions (
    id          uuid primary key,
    seq         bigint generated always as identity,
    case_id     uuid not null references cases (id) on delete cascade,
    kind        sanction_kind not null,
    decided_on  date not null,
    note        text not null default '',
    created_by  uuid references accounts (id),
    created_at  timestamptz not null default now()
);
create index sanctions_case_idx on sanctions (case_id, seq);

-- The helpline queue: active referred cases, danger first then oldest
-- referral; every filter of the queue walks or narrows one of these.
create index cases_queue_idx on cases ((urgency <> 'danger'), referred_at, id)
    where referred_at is not null;
create index cases_claimed_idx on cases (claimed_by, (urgency <> 'danger'), referred_at, id)
    where claimed_by is not null;
create index cases_platforms_idx on cases using gin (platforms) where referred_at is not null;
create index cases_school_queue_idx on cases (school_id, (urgency <> 'danger'), referred_at, id)
    where referred_at is not null;
