-- Attempt limits shared by every server process (issue 13): one row per
-- limited key — a SHA-256 of the limit's name and the key, so no address or
-- e-mail is stored in clear — with its GCRA "theoretical arrival time".
-- Unlogged: a crash forgets budgets, which only gives attempts back.
create unlogged table rate_limits (
    key  bytea primary key,
    tat  timestamptz not null
);
create index rate_limits_tat_idx on rate_limits (tat);

-- case_open_to (0009) is not inlined by the planner (its body has a
-- sub-select), which made a dashboard of 2,000 cases 5× slower; the
-- condition is written out in the queries instead.
drop function case_open_to(uuid, boolean, uuid);
