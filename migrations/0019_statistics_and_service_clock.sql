-- Issue 12: statistics that outlive the data, and the helpline's fair clock.

------------------------------------------------------------------------
-- The helpline's service clock runs while a case is referred or in
-- progress, and stops while the school is asked a question
-- (awaiting_school), once the case is returned or closed, and while a
-- request to a platform waits for its answer (the wait is the platform's).
-- `service_seconds` is the time counted up to `service_since`; while the
-- clock runs `service_since` says since when. Kept by the trigger below on
-- every change of a case and of its platform requests, whoever makes it.
alter table cases
    add column service_seconds bigint not null default 0,
    add column service_since timestamptz,
    -- The clock when the helpline first returned the case.
    add column returned_service_seconds bigint;

create function service_clock() returns trigger language plpgsql as $$
declare
    runs boolean;
begin
    runs := new.status in ('referred', 'in_progress')
        and not exists (select 1 from platform_requests p
                        where p.case_id = new.id and p.outcome = 'pending');
    if runs and new.service_since is null then
        new.service_since := now();
    elsif not runs and new.service_since is not null then
        new.service_seconds := new.service_seconds
            + greatest(0, extract(epoch from now() - new.service_since))::bigint;
        new.service_since := null;
    end if;
    if new.status = 'returned' and new.returned_service_seconds is null then
        new.returned_service_seconds := new.service_seconds;
    end if;
    return new;
end $$;

create trigger cases_service_clock before insert or update on cases
    for each row execute function service_clock();

-- A platform request sent or answered starts or stops the clock: touching
-- the case runs its trigger.
create function service_clock_of_request() returns trigger language plpgsql as $$
begin
    update cases set service_seconds = service_seconds
    where id = case when tg_op = 'DELETE' then old.case_id else new.case_id end;
    return null;
end $$;

create trigger platform_requests_service_clock
    after insert or update of outcome or delete on platform_requests
    for each row execute function service_clock_of_request();

-- Cases open before this migration: the clock starts now for those it
-- concerns; their past time is estimated from their dates (no pause known).
update cases set
    service_seconds = case when status in ('referred', 'in_progress', 'awaiting_school', 'returned', 'closed')
                                and referred_at is not null
                           then extract(epoch from coalesce(
                                    (select min(e.created_at) from case_events e
                                     where e.case_id = cases.id and e.kind = 'returned'),
                                    case when status in ('referred', 'in_progress') then now() end,
                                    referred_at) - referred_at)::bigint
                           else 0 end,
    returned_service_seconds = (select extract(epoch from min(e.created_at) - cases.referred_at)::bigint
                                from case_events e where e.case_id = cases.id and e.kind = 'returned')
where referred_at is not null;

-- The queue shows the clock (seconds) of each row.
create or replace view queue_rows as
select c.id, c.reference, s.name as school_name, s.uai as school_uai, s.academie,
       c.status, c.urgency, c.platforms, c.referred_at, a.display_name as claimed_by_name,
       c.last_activity_at, c.claimed_by, c.school_id,
       (select min(r.sent_on) from platform_requests r
         where r.case_id = c.id and r.outcome = 'pending') as pending_since,
       c.service_seconds + coalesce(extract(epoch from now() - c.service_since)::bigint, 0) as service_clock
from cases c
join schools s on s.id = c.school_id
left join accounts a on a.id = c.claimed_by
where c.referred_at is not null;

------------------------------------------------------------------------
-- Statistics. Counts by month and dimensions, with no case, no school of a
-- national table, no name: the retention purge never touches them. Each
-- live case's (and report's) current contribution is kept in a `*_stat_keys`
-- row that dies with it; a change marks it in `stat_dirty` (triggers), and
-- the background jobs fold the difference into the counts
-- (`stat_refresh_dirty`). The purge folds a case's last state before it
-- deletes it.

-- What kind of school, from its name (the national directory's names begin
-- with it).
create function school_type(name text) returns text language sql immutable as $$
    select case
        when name ilike 'lyc%' then 'lycee'
        when name ilike 'coll%' then 'college'
        when name ilike 'école%' or name ilike 'ecole%' then 'ecole'
        else 'autre' end
$$;

-- Durations kept to the minute under 2 hours, to the quarter under 2 days,
-- to the hour under 30 days, to the day beyond.
create function stat_bucket(minutes bigint) returns integer language sql immutable as $$
    select case
        when minutes is null then null
        when minutes < 120 then greatest(minutes, 0)
        when minutes < 2880 then minutes - minutes % 15
        when minutes < 43200 then minutes - minutes % 60
        else least(minutes - minutes % 1440, 2000000000) end::integer
$$;

create table stat_cases (
    month       date not null,
    academie    text not null,
    school_type text not null,
    victim_kind victim_kind not null,
    urgency     urgency not null,
    origin      text not null,       -- 'school' or the reporter's kind
    referred    boolean not null,
    outcome     text not null,       -- '' while open
    cases       bigint not null,
    primary key (month, academie, school_type, victim_kind, urgency, origin, referred, outcome)
);

create table stat_case_tags (
    month    date not null,
    academie text not null,
    dim      text not null check (dim in ('platform', 'kind')),
    code     text not null,
    cases    bigint not null,
    primary key (month, academie, dim, code)
);

-- Helpline delays (on its service clock) of referred cases, by month filed.
create table stat_delays (
    month    date not null,
    academie text not null,
    measure  text not null check (measure in ('claim', 'return')),
    minutes  integer not null,
    cases    bigint not null,
    primary key (month, academie, measure, minutes)
);

-- A school's own figures.
create table stat_school_months (
    school_id uuid not null references schools (id) on delete cascade,
    month     date not null,
    referred  boolean not null,
    cases     bigint not null,
    primary key (school_id, month, referred)
);

create table stat_school_tags (
    school_id uuid not null references schools (id) on delete cascade,
    dim       text not null check (dim in ('platform', 'kind')),
    code      text not null,
    cases     bigint not null,
    primary key (school_id, dim, code)
);

create table stat_reports (
    month    date not null,
    academie text not null,
    origin   reporter_kind not null,
    danger   boolean not null,
    status   report_status not null,
    overdue  boolean not null,
    reports  bigint not null,
    primary key (month, academie, origin, danger, status, overdue)
);

-- Requests to platforms by month sent; `days` to the answer, -1 while none.
create table stat_requests (
    month    date not null,
    platform text not null,
    kind     request_kind not null,
    outcome  request_outcome not null,
    days     integer not null,
    requests bigint not null,
    primary key (month, platform, kind, outcome, days)
);

-- A live case's contribution as last counted.
create table case_stat_keys (
    case_id     uuid primary key references cases (id) on delete cascade,
    school_id   uuid not null,
    month       date not null,
    academie    text not null,
    school_type text not null,
    victim_kind victim_kind not null,
    urgency     urgency not null,
    origin      text not null,
    referred    boolean not null,
    outcome     text not null,
    platforms   text[] not null,
    kinds       text[] not null,
    claim_minutes  integer,
    return_minutes integer
);

create table report_stat_keys (
    report_id uuid primary key references reports (id) on delete cascade,
    month     date not null,
    academie  text not null,
    origin    reporter_kind not null,
    danger    boolean not null,
    status    report_status not null,
    overdue   boolean not null
);

create table request_stat_keys (
    request_id uuid primary key references platform_requests (id) on delete cascade,
    case_id    uuid not null,
    month      date not null,
    platform   text not null,
    kind       request_kind not null,
    outcome    request_outcome not null,
    days       integer not null
);
create index request_stat_keys_case_idx on request_stat_keys (case_id);

-- What is to be counted again.
create table stat_dirty (
    id      uuid primary key,
    subject text not null check (subject in ('case', 'report'))
);

-- When the counts were last brought up to date.
create table stat_state (
    only_row     boolean primary key default true check (only_row),
    refreshed_at timestamptz not null
);
insert into stat_state values (true, now());

-- The contribution a case makes now.
create view case_stat_facts as
select c.id as case_id, c.school_id,
       date_trunc('month', c.created_at at time zone 'Europe/Paris')::date as month,
       s.academie, school_type(s.name) as school_type, c.victim_kind, c.urgency,
       coalesce(r.reporter_kind::text, case when c.report_id is null then 'school' else 'unknown' end) as origin,
       c.referred_at is not null as referred,
       case when c.status = 'closed' then coalesce(c.outcome, '') else '' end as outcome,
       -- A platform or kind named twice counts once.
       array(select distinct p from unnest(c.platforms) as p order by p) as platforms,
       array(select distinct k from unnest(c.kinds) as k order by k) as kinds,
       stat_bucket(case when c.claimed_at is not null and c.referred_at is not null
                        then extract(epoch from c.claimed_at - c.referred_at)::bigint / 60 end) as claim_minutes,
       stat_bucket(c.returned_service_seconds / 60) as return_minutes
from cases c
join schools s on s.id = c.school_id
left join reports r on r.id = c.report_id;

create view report_stat_facts as
select r.id as report_id,
       date_trunc('month', r.created_at at time zone 'Europe/Paris')::date as month,
       s.academie, r.reporter_kind as origin, r.danger, r.status,
       r.overdue_notified_at is not null as overdue
from reports r join schools s on s.id = r.school_id;

create view request_stat_facts as
select p.id as request_id, p.case_id,
       date_trunc('month', p.sent_on::timestamp)::date as month,
       t.platform, p.kind, p.outcome,
       coalesce(p.outcome_on - p.sent_on, -1) as days
from platform_requests p join online_targets t on t.id = p.target_id;

-- Adds (sign 1) or takes away (sign -1) a case's contribution.
create function stat_case_apply(k case_stat_keys, sign integer) returns void language plpgsql as $$
begin
    insert into stat_cases values (k.month, k.academie, k.school_type, k.victim_kind, k.urgency,
                                   k.origin, k.referred, k.outcome, sign)
    on conflict on constraint stat_cases_pkey do update set cases = stat_cases.cases + sign;
    insert into stat_case_tags
        select k.month, k.academie, t.dim, t.code, sign
        from (select 'platform' as dim, unnest(k.platforms) as code
              union all select 'kind', unnest(k.kinds)) t
    on conflict on constraint stat_case_tags_pkey do update set cases = stat_case_tags.cases + sign;
    insert into stat_delays
        select k.month, k.academie, d.measure, d.minutes, sign
        from (values ('claim', k.claim_minutes), ('return', k.return_minutes)) as d(measure, minutes)
        where d.minutes is not null
    on conflict on constraint stat_delays_pkey do update set cases = stat_delays.cases + sign;
    insert into stat_school_months values (k.school_id, k.month, k.referred, sign)
    on conflict on constraint stat_school_months_pkey do update set cases = stat_school_months.cases + sign;
    insert into stat_school_tags
        select k.school_id, t.dim, t.code, sign
        from (select 'platform' as dim, unnest(k.platforms) as code
              union all select 'kind', unnest(k.kinds)) t
    on conflict on constraint stat_school_tags_pkey do update set cases = stat_school_tags.cases + sign;
end $$;

-- Brings one case's counts (and its requests') up to date; a case gone
-- keeps what it last counted. The caller holds the case's row and the
-- refresh lock (`stat_refresh_dirty`, the purge).
create function stat_refresh_case(p uuid) returns void language plpgsql as $$
declare
    old_key case_stat_keys;
    new_key case_stat_keys;
    q record;
begin
    select * into old_key from case_stat_keys where case_id = p;
    select * into new_key from case_stat_facts where case_id = p;
    if new_key.case_id is null then
        return;
    end if;
    if old_key.case_id is null or old_key is distinct from new_key then
        if old_key.case_id is not null then
            perform stat_case_apply(old_key, -1);
        end if;
        perform stat_case_apply(new_key, 1);
        insert into case_stat_keys select new_key.*
        on conflict (case_id) do update set
            school_id = excluded.school_id, month = excluded.month, academie = excluded.academie,
            school_type = excluded.school_type, victim_kind = excluded.victim_kind,
            urgency = excluded.urgency, origin = excluded.origin, referred = excluded.referred,
            outcome = excluded.outcome, platforms = excluded.platforms, kinds = excluded.kinds,
            claim_minutes = excluded.claim_minutes, return_minutes = excluded.return_minutes;
    end if;
    for q in
        select f.request_id, f.month, f.platform, f.kind, f.outcome, f.days,
               k.request_id as known, k.month as old_month, k.platform as old_platform,
               k.kind as old_kind, k.outcome as old_outcome, k.days as old_days
        from request_stat_facts f left join request_stat_keys k using (request_id)
        where f.case_id = p
          and (k.request_id is null
               or (k.month, k.platform, k.kind, k.outcome, k.days)
                  is distinct from (f.month, f.platform, f.kind, f.outcome, f.days))
    loop
        if q.known is not null then
            update stat_requests set requests = requests - 1
            where month = q.old_month and platform = q.old_platform and kind = q.old_kind
              and outcome = q.old_outcome and days = q.old_days;
        end if;
        insert into stat_requests values (q.month, q.platform, q.kind, q.outcome, q.days, 1)
        on conflict on constraint stat_requests_pkey do update set requests = stat_requests.requests + 1;
        insert into request_stat_keys values (q.request_id, p, q.month, q.platform, q.kind, q.outcome, q.days)
        on conflict (request_id) do update set month = excluded.month, platform = excluded.platform,
            kind = excluded.kind, outcome = excluded.outcome, days = excluded.days;
    end loop;
end $$;

create function stat_refresh_report(p uuid) returns void language plpgsql as $$
declare
    old_key report_stat_keys;
    new_key report_stat_keys;
begin
    select * into old_key from report_stat_keys where report_id = p;
    select * into new_key from report_stat_facts where report_id = p;
    if new_key.report_id is null then
        return;
    end if;
    if old_key.report_id is not null and old_key is not distinct from new_key then
        return;
    end if;
    if old_key.report_id is not null then
        update stat_reports set reports = reports - 1
        where month = old_key.month and academie = old_key.academie and origin = old_key.origin
          and danger = old_key.danger and status = old_key.status and overdue = old_key.overdue;
    end if;
    insert into stat_reports values (new_key.month, new_key.academie, new_key.origin, new_key.danger,
                                     new_key.status, new_key.overdue, 1)
    on conflict on constraint stat_reports_pkey do update set reports = stat_reports.reports + 1;
    insert into report_stat_keys select new_key.*
    on conflict (report_id) do update set month = excluded.month, academie = excluded.academie,
        origin = excluded.origin, danger = excluded.danger, status = excluded.status,
        overdue = excluded.overdue;
end $$;

-- Folds up to `batch` marked cases and reports; returns how many. One
-- refresher at a time (the counts are updated in no fixed order); a case
-- or report a user is changing right now is left for the next round, so a
-- refresher never waits for a user.
create function stat_refresh_dirty(batch integer) returns integer language plpgsql as $$
declare
    d record;
    locked boolean;
    n integer := 0;
begin
    perform pg_advisory_xact_lock(hashtext('vigie.stat_refresh'));
    for d in select id, subject from stat_dirty limit batch for update skip locked loop
        if d.subject = 'case' then
            perform 1 from cases where id = d.id for no key update skip locked;
            locked := found;
            if not locked and exists (select 1 from cases where id = d.id) then
                continue;
            end if;
            if locked then
                perform stat_refresh_case(d.id);
            end if;
        else
            perform 1 from reports where id = d.id for no key update skip locked;
            locked := found;
            if not locked and exists (select 1 from reports where id = d.id) then
                continue;
            end if;
            if locked then
                perform stat_refresh_report(d.id);
            end if;
        end if;
        delete from stat_dirty where id = d.id;
        n := n + 1;
    end loop;
    update stat_state set refreshed_at = now();
    return n;
end $$;

-- The purge folds the last state of the cases and reports it deletes (it
-- holds their rows).
create function stat_fold_purged(case_ids uuid[], report_ids uuid[]) returns integer
language plpgsql as $$
declare
    i uuid;
    n integer := 0;
begin
    perform pg_advisory_xact_lock(hashtext('vigie.stat_refresh'));
    foreach i in array case_ids loop
        perform stat_refresh_case(i);
        n := n + 1;
    end loop;
    foreach i in array report_ids loop
        perform stat_refresh_report(i);
        n := n + 1;
    end loop;
    return n;
end $$;

create function stat_mark_case() returns trigger language plpgsql as $$
begin
    insert into stat_dirty values (new.id, 'case') on conflict do nothing;
    return null;
end $$;

create function stat_mark_report() returns trigger language plpgsql as $$
begin
    insert into stat_dirty values (new.id, 'report') on conflict do nothing;
    return null;
end $$;

create function stat_mark_request() returns trigger language plpgsql as $$
begin
    insert into stat_dirty values (new.case_id, 'case') on conflict do nothing;
    return null;
end $$;

create trigger cases_stat_mark after insert or update on cases
    for each row execute function stat_mark_case();
create trigger reports_stat_mark after insert or update on reports
    for each row execute function stat_mark_report();
create trigger platform_requests_stat_mark after insert or update on platform_requests
    for each row execute function stat_mark_request();

-- Counts in one pass every case, report and request not counted yet (the
-- migration's first count, bulk seeding); writers wait meanwhile.
create function stat_fold_new() returns bigint language plpgsql as $$
declare
    n bigint;
begin
    perform pg_advisory_xact_lock(hashtext('vigie.stat_refresh'));
    lock table cases, reports, platform_requests in share mode;
    create temp table fresh_cases as
        select f.* from case_stat_facts f
        where not exists (select 1 from case_stat_keys k where k.case_id = f.case_id);
    insert into case_stat_keys select * from fresh_cases;
    get diagnostics n = row_count;
    insert into stat_cases as t
        select month, academie, school_type, victim_kind, urgency, origin, referred, outcome, count(*)
        from fresh_cases group by 1, 2, 3, 4, 5, 6, 7, 8
    on conflict on constraint stat_cases_pkey do update set cases = t.cases + excluded.cases;
    insert into stat_case_tags as t
        select month, academie, 'platform', code, count(*) from fresh_cases, unnest(platforms) as code
        group by 1, 2, 4
        union all
        select month, academie, 'kind', code, count(*) from fresh_cases, unnest(kinds) as code
        group by 1, 2, 4
    on conflict on constraint stat_case_tags_pkey do update set cases = t.cases + excluded.cases;
    insert into stat_delays as t
        select month, academie, 'claim', claim_minutes, count(*) from fresh_cases
        where claim_minutes is not null group by 1, 2, 4
        union all
        select month, academie, 'return', return_minutes, count(*) from fresh_cases
        where return_minutes is not null group by 1, 2, 4
    on conflict on constraint stat_delays_pkey do update set cases = t.cases + excluded.cases;
    insert into stat_school_months as t
        select school_id, month, referred, count(*) from fresh_cases group by 1, 2, 3
    on conflict on constraint stat_school_months_pkey do update set cases = t.cases + excluded.cases;
    insert into stat_school_tags as t
        select school_id, 'platform', code, count(*) from fresh_cases, unnest(platforms) as code
        group by 1, 3
        union all
        select school_id, 'kind', code, count(*) from fresh_cases, unnest(kinds) as code
        group by 1, 3
    on conflict on constraint stat_school_tags_pkey do update set cases = t.cases + excluded.cases;
    delete from stat_dirty d using fresh_cases f where d.id = f.case_id;

    create temp table fresh_reports as
        select f.* from report_stat_facts f
        where not exists (select 1 from report_stat_keys k where k.report_id = f.report_id);
    insert into report_stat_keys select * from fresh_reports;
    insert into stat_reports as t
        select month, academie, origin, danger, status, overdue, count(*)
        from fresh_reports group by 1, 2, 3, 4, 5, 6
    on conflict on constraint stat_reports_pkey do update set reports = t.reports + excluded.reports;
    delete from stat_dirty d using fresh_reports f where d.id = f.report_id;

    create temp table fresh_requests as
        select f.* from request_stat_facts f
        where not exists (select 1 from request_stat_keys k where k.request_id = f.request_id);
    insert into request_stat_keys select * from fresh_requests;
    insert into stat_requests as t
        select month, platform, kind, outcome, days, count(*) from fresh_requests group by 1, 2, 3, 4, 5
    on conflict on constraint stat_requests_pkey do update set requests = t.requests + excluded.requests;
    drop table fresh_cases, fresh_reports, fresh_requests;
    update stat_state set refreshed_at = now();
    return n;
end $$;

select stat_fold_new();

-- The queue's "treatment overdue" flag reads the clock of cases in hand.
-- Late requests are counted among the pending ones only.
create index platform_requests_pending_sent_idx on platform_requests (sent_on) where outcome = 'pending';

create index cases_service_idx on cases (claimed_by) include (service_seconds, service_since)
    where status in ('in_progress', 'awaiting_school');
