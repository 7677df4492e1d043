-- A case page's lists (timeline, files, authors, accounts, requests,
-- escalations, interventions, sanctions) and a school's dashboard are kept
-- in each server's memory with the revision they were read at
-- (db::kept::Kept), as the queue's first page is with its version
-- (migration 0025): a server reads the revision with the case or before the
-- dashboard, and the rest again only when it moved. Every change that can
-- alter what they show moves the revision in its own transaction, whoever
-- makes it.
--
-- A case's revision is one row per case (its writers already take turns on
-- the case). A school's is the sum of appended touches, folded by the jobs
-- like the counts of migration 0026: cases filed at once in one school take
-- no common lock, and every commit adds one, whatever the order of commits
-- (a maximum would not move when an older transaction commits last).
-- Names of people shown in the lists move one global revision (rare).
create table case_revisions (
    case_id  uuid primary key,
    revision bigint not null
);

create table school_touches (
    school_id uuid not null,
    n         bigint not null
);
create index school_touches_school_idx on school_touches (school_id) include (n);
alter table school_touches set (
    autovacuum_vacuum_threshold = 1000,
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_insert_threshold = 1000,
    autovacuum_vacuum_insert_scale_factor = 0
);

create table name_revision (
    only_row boolean primary key default true check (only_row),
    revision bigint not null
);
insert into name_revision values (true, 1);

-- Moves case `cid`'s revision and touches its school, once per transaction
-- and case in a row (a statement writing many rows of one case moves it
-- once). A case being deleted is not touched (its cascaded rows).
create function touch_case(cid uuid) returns void language plpgsql as $$
declare
    mark text := txid_current()::text || ':' || cid::text;
    sid uuid;
begin
    if current_setting('vigie.touched', true) is distinct from mark then
        select c.school_id into sid from cases c where c.id = cid;
        if found then
            perform set_config('vigie.touched', mark, true);
            insert into case_revisions as r values (cid, 1)
                on conflict (case_id) do update set revision = r.revision + 1;
            insert into school_touches values (sid, 1);
        end if;
    end if;
end $$;

create function case_row_touched() returns trigger language plpgsql as $$
begin
    if tg_op = 'DELETE' then
        delete from case_revisions where case_id = old.id;
        insert into school_touches values (old.school_id, 1);
        return null;
    end if;
    if tg_op = 'INSERT' then
        -- Nothing can be kept of a case not committed yet: its school only,
        -- and its own rows written with it touch nothing more.
        perform set_config('vigie.touched', txid_current()::text || ':' || new.id::text, true);
        insert into school_touches values (new.school_id, 1);
        return null;
    end if;
    perform touch_case(new.id);
    if old.school_id <> new.school_id then
        insert into school_touches values (old.school_id, 1), (new.school_id, 1);
    end if;
    return null;
end $$;
create trigger cases_touched after insert or update or delete on cases
    for each row execute function case_row_touched();

create function case_part_touched() returns trigger language plpgsql as $$
begin
    if tg_op = 'DELETE' then
        perform touch_case(old.case_id);
    else
        perform touch_case(new.case_id);
    end if;
    return null;
end $$;
create trigger case_events_touched after insert or update or delete on case_events
    for each row execute function case_part_touched();
create trigger evidence_touched after insert or update or delete on evidence
    for each row execute function case_part_touched();
create trigger case_authors_touched after insert or update or delete on case_authors
    for each row execute function case_part_touched();
create trigger online_targets_touched after insert or update or delete on online_targets
    for each row execute function case_part_touched();
create trigger platform_requests_touched after insert or update or delete on platform_requests
    for each row execute function case_part_touched();
create trigger escalations_touched after insert or update or delete on escalations
    for each row execute function case_part_touched();
create trigger interventions_touched after insert or update or delete on interventions
    for each row execute function case_part_touched();
create trigger sanctions_touched after insert or update or delete on sanctions
    for each row execute function case_part_touched();
create trigger case_access_touched after insert or update or delete on case_access
    for each row execute function case_part_touched();

-- A file found intact shows its check time on its case's page.
create function file_check_touched() returns trigger language plpgsql as $$
declare
    cid uuid;
begin
    select e.case_id into cid from evidence e
     where e.storage_key = (case when tg_op = 'DELETE' then old.storage_key else new.storage_key end);
    if found then
        perform touch_case(cid);
    end if;
    return null;
end $$;
create trigger file_checks_touched after insert or update or delete on file_checks
    for each row execute function file_check_touched();

-- Reports waiting are counted on the dashboard; schools' names shown on it.
create function school_row_touched() returns trigger language plpgsql as $$
begin
    if tg_op in ('UPDATE', 'DELETE') then
        insert into school_touches values (old.school_id, 1);
    end if;
    if tg_op in ('INSERT', 'UPDATE') then
        insert into school_touches values (new.school_id, 1);
    end if;
    return null;
end $$;
create trigger reports_touched after insert or delete on reports
    for each row execute function school_row_touched();
create trigger reports_retouched after update on reports
    for each row when ((old.status, old.school_id) is distinct from (new.status, new.school_id))
    execute function school_row_touched();

create function school_touched() returns trigger language plpgsql as $$
begin
    insert into school_touches values (new.id, 1);
    return null;
end $$;
create trigger schools_touched after update on schools
    for each row execute function school_touched();

create function name_changed() returns trigger language plpgsql as $$
begin
    update name_revision set revision = revision + 1;
    return null;
end $$;
create trigger accounts_renamed after update on accounts
    for each row when (old.display_name is distinct from new.display_name)
    execute function name_changed();

-- Many touches into one per school; the sums, and so the revisions, are
-- unchanged.
create function fold_school_touches() returns bigint language plpgsql as $$
declare
    folded bigint;
begin
    perform pg_advisory_xact_lock(hashtext('vigie.school_touches'));
    with gone as (delete from school_touches returning *)
    insert into school_touches select g.school_id, sum(g.n) from gone g group by 1;
    get diagnostics folded = row_count;
    return folded;
end $$;
