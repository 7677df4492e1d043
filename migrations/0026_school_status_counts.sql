-- A school's dashboard says how many of its cases are in each status (its
-- filter). Counting them at every load was 70 % of the page's database time
-- for a school of 2,000 cases. The counts are now kept per school and
-- status: each change of a case appends its difference (a row inserted,
-- none updated, so cases filed at once in one school never wait for each
-- other) and the background jobs fold the differences into the counts; a
-- reader adds the counts and the differences not folded yet. A restricted
-- case (visible to named people only) is not counted here: those few are
-- counted live for each reader.
create table school_status_counts (
    school_id uuid not null,
    status    case_status not null,
    cases     bigint not null,
    primary key (school_id, status)
);

create table school_status_changes (
    school_id uuid not null,
    status    case_status not null,
    delta     integer not null
);
create index school_status_changes_school_idx on school_status_changes (school_id);

create function count_school_status() returns trigger language plpgsql as $$
begin
    if tg_op in ('UPDATE', 'DELETE') and not old.restricted then
        insert into school_status_changes values (old.school_id, old.status, -1);
    end if;
    if tg_op in ('INSERT', 'UPDATE') and not new.restricted then
        insert into school_status_changes values (new.school_id, new.status, 1);
    end if;
    return null;
end $$;

create trigger cases_status_counted after insert or delete on cases
    for each row execute function count_school_status();
create trigger cases_status_recounted after update on cases
    for each row
    when ((old.school_id, old.status, old.restricted) is distinct from (new.school_id, new.status, new.restricted))
    execute function count_school_status();

insert into school_status_counts
select school_id, status, count(*) from cases where not restricted group by 1, 2;

-- Folds the differences into the counts; one folder at a time.
create function fold_school_status_changes() returns bigint language plpgsql as $$
declare
    n bigint;
begin
    perform pg_advisory_xact_lock(hashtext('vigie.school_status_counts'));
    with gone as (delete from school_status_changes returning *),
         sums as (select school_id, status, sum(delta) as d from gone group by 1, 2)
    insert into school_status_counts as c select school_id, status, d from sums
    on conflict (school_id, status) do update set cases = c.cases + excluded.cases;
    get diagnostics n = row_count;
    return n;
end $$;

-- The restricted cases of a school, counted live.
create index cases_restricted_idx on cases (school_id) where restricted;
