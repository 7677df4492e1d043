-- Evidence files whose rows are gone (purge, declined report, failed or
-- cancelled request): written in the transaction that drops the rows, and
-- worked by the background jobs until the file is gone.
create table pending_deletions (
    storage_key      text primary key,
    queued_at        timestamptz not null default now(),
    attempts         int not null default 0,
    next_attempt_at  timestamptz not null default now(),
    last_error       text
);
create index pending_deletions_due_idx on pending_deletions (next_attempt_at);
