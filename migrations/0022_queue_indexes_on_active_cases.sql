-- The queue's indexes held every case ever referred: on realistic data
-- (98 % of referred cases returned or closed since), the first page walked
-- 15,000 closed cases before finding 50 the helpline holds (190 ms on
-- 1,000,000 cases), a rare platform far more. They now hold only the cases
-- the helpline holds — referred, in progress, awaiting the school — which
-- is also every status a queue query can ask for.
drop index cases_queue_idx, cases_claimed_idx, cases_platforms_idx, cases_school_queue_idx;

create index cases_queue_idx on cases ((urgency <> 'danger'), referred_at, id)
    where status in ('referred', 'in_progress', 'awaiting_school');
create index cases_claimed_idx on cases (claimed_by, (urgency <> 'danger'), referred_at, id)
    where status in ('referred', 'in_progress', 'awaiting_school');
create index cases_platforms_idx on cases using gin (platforms)
    where status in ('referred', 'in_progress', 'awaiting_school');
create index cases_school_queue_idx on cases (school_id, (urgency <> 'danger'), referred_at, id)
    where status in ('referred', 'in_progress', 'awaiting_school');
