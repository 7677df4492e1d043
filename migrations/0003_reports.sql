-- Parents, victims and witnesses start the procedure: public reports, their
-- evidence, the messages between the school and the reporter.

create type reporter_kind as enum ('parent', 'pupil_victim', 'staff_victim', 'witness');
create type report_status as enum ('received', 'case_opened', 'declined');

create sequence report_reference_seq;

create table reports (
    id                   uuid primary key,
    reference            text not null unique,
    school_id            uuid not null references schools (id),
    reporter_kind        reporter_kind not null,
    danger               boolean not null,
    description          text not null default '',
    started_on           date,
    platforms            text[] not null default '{}',
    kinds                text[] not null default '{}',
    victim_first_name    text not null default '',
    victim_class         text not null default '',
    contact_email        text,
    contact_phone        text,
    -- SHA-256 of the follow-up code; the code itself is never stored
    code_hash            bytea not null unique check (length(code_hash) = 32),
    status               report_status not null default 'received',
    seen_at              timestamptz,
    decided_at           timestamptz,
    decline_reason       text,
    case_id              uuid references cases (id) on delete set null,
    due_at               timestamptz not null,
    overdue_notified_at  timestamptz,
    created_at           timestamptz not null default now(),
    last_activity_at     timestamptz not null default now()
);
create index reports_inbox_idx on reports (school_id, status, danger desc, created_at);
create index reports_due_idx on reports (due_at) where status = 'received' and overdue_notified_at is null;

create table report_evidence (
    id             uuid primary key,
    seq            bigint generated always as identity,
    report_id      uuid not null references reports (id) on delete cascade,
    storage_key    text not null unique,
    original_name  text not null,
    mime_type      text not null,
    size_bytes     bigint not null check (size_bytes >= 0),
    sha256         text not null check (sha256 ~ '^[0-9a-f]{64}$'),
    added_at       timestamptz not null default now()
);
create index report_evidence_report_idx on report_evidence (report_id, seq);

create table report_messages (
    id          bigint generated always as identity primary key,
    report_id   uuid not null references reports (id) on delete cascade,
    -- a school account, or null when the reporter wrote
    account_id  uuid references accounts (id),
    body        text not null,
    created_at  timestamptz not null default now()
);
create index report_messages_report_idx on report_messages (report_id, id);

alter table cases add column report_id uuid references reports (id) on delete set null;
