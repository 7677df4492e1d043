-- The helpline queue's rows, shared by the queue's two queries (the first
-- pages, planned once and reused; filtered pages, planned with their values).
-- `pending_since` is probed per shown row on platform_requests_pending_idx.
create view queue_rows as
select c.id, c.reference, s.name as school_name, s.uai as school_uai, s.academie,
       c.status, c.urgency, c.platforms, c.referred_at, a.display_name as claimed_by_name,
       c.last_activity_at, c.claimed_by, c.school_id,
       (select min(r.sent_on) from platform_requests r
         where r.case_id = c.id and r.outcome = 'pending') as pending_since
from cases c
join schools s on s.id = c.school_id
left join accounts a on a.id = c.claimed_by
where c.referred_at is not null;
