-- A question of the helpline the school leaves unanswered is reminded once:
-- the question's event is recorded here when its reminder is queued.
create table question_reminders (
    event_id  bigint primary key references case_events (id) on delete cascade,
    case_id   uuid not null references cases (id) on delete cascade,
    sent_at   timestamptz not null default now()
);
create index question_reminders_case_idx on question_reminders (case_id);
