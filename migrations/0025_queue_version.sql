-- The helpline queue's first page, the page agents reload all day, is kept
-- in each server's memory with the version of the queue it was read at
-- (db::queue::FirstPage): a server reads the version (one row), and the
-- page again only when it moved. Every change that can alter the page
-- moves the version in its own transaction — a case held by the helpline
-- (or entering or leaving its hands), a school's name, UAI or académie, an
-- agent's name, a request to a platform — whoever makes it.
create table queue_version (
    only_row boolean primary key default true check (only_row),
    version  bigint not null
);
insert into queue_version values (true, 1);

-- Run at commit (deferred), once per transaction: the version row is
-- locked last and only while the transaction commits, never while it
-- takes other locks (no deadlock with writers of several cases).
create function queue_changed() returns trigger language plpgsql as $$
begin
    if current_setting('vigie.queue_moved', true) is distinct from txid_current()::text then
        perform set_config('vigie.queue_moved', txid_current()::text, true);
        update queue_version set version = version + 1;
    end if;
    return null;
end $$;

create constraint trigger cases_queue_inserted after insert on cases
    deferrable initially deferred for each row
    when (new.status in ('referred', 'in_progress', 'awaiting_school'))
    execute function queue_changed();
create constraint trigger cases_queue_updated after update on cases
    deferrable initially deferred for each row
    when (old.status in ('referred', 'in_progress', 'awaiting_school')
          or new.status in ('referred', 'in_progress', 'awaiting_school'))
    execute function queue_changed();
create constraint trigger cases_queue_deleted after delete on cases
    deferrable initially deferred for each row
    when (old.status in ('referred', 'in_progress', 'awaiting_school'))
    execute function queue_changed();
create constraint trigger schools_queue_changed after update on schools
    deferrable initially deferred for each row
    when ((old.name, old.uai, old.academie) is distinct from (new.name, new.uai, new.academie))
    execute function queue_changed();
create constraint trigger accounts_queue_changed after update on accounts
    deferrable initially deferred for each row
    when (old.display_name is distinct from new.display_name)
    execute function queue_changed();
create constraint trigger platform_requests_queue_changed after insert or update or delete on platform_requests
    deferrable initially deferred for each row
    execute function queue_changed();

-- The queue reads the service clock's parts (the flags are worked out at
-- each request, the page being kept).
create or replace view queue_rows as
select c.id, c.reference, s.name as school_name, s.uai as school_uai, s.academie,
       c.status, c.urgency, c.platforms, c.referred_at, a.display_name as claimed_by_name,
       c.last_activity_at, c.claimed_by, c.school_id,
       (select min(r.sent_on) from platform_requests r
         where r.case_id = c.id and r.outcome = 'pending') as pending_since,
       c.service_seconds + coalesce(extract(epoch from now() - c.service_since)::bigint, 0) as service_clock,
       c.service_seconds, c.service_since
from cases c
join schools s on s.id = c.school_id
left join accounts a on a.id = c.claimed_by
where c.referred_at is not null;
