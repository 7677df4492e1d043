-- Platform accountability counted the late requests among the pending ones
-- live, 19,000 rows of a year joined to their targets (130 ms on
-- 1,000,000 cases). The requests' keys now keep the day sent, and the late
-- ones are counted there, as of the last fold like the rest of the page.

alter table request_stat_keys add column sent_on date;
update request_stat_keys k set sent_on = p.sent_on from platform_requests p where p.id = k.request_id;
delete from request_stat_keys where sent_on is null;
alter table request_stat_keys alter column sent_on set not null;
create index request_stat_keys_pending_idx on request_stat_keys (sent_on) include (platform, kind)
    where outcome = 'pending';
drop index platform_requests_pending_sent_idx;

create or replace view request_stat_facts as
select p.id as request_id, p.case_id,
       date_trunc('month', p.sent_on::timestamp)::date as month,
       t.platform, p.kind, p.outcome,
       coalesce(p.outcome_on - p.sent_on, -1) as days,
       p.sent_on
from platform_requests p join online_targets t on t.id = p.target_id;

create or replace function stat_refresh_case(p uuid) returns void language plpgsql as $$
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
        select f.request_id, f.month, f.platform, f.kind, f.outcome, f.days, f.sent_on,
               k.request_id as known, k.month as old_month, k.platform as old_platform,
               k.kind as old_kind, k.outcome as old_outcome, k.days as old_days
        from request_stat_facts f left join request_stat_keys k using (request_id)
        where f.case_id = p
          and (k.request_id is null
               or (k.month, k.platform, k.kind, k.outcome, k.days, k.sent_on)
                  is distinct from (f.month, f.platform, f.kind, f.outcome, f.days, f.sent_on))
    loop
        if q.known is not null then
            update stat_requests set requests = requests - 1
            where month = q.old_month and platform = q.old_platform and kind = q.old_kind
              and outcome = q.old_outcome and days = q.old_days;
        end if;
        insert into stat_requests values (q.month, q.platform, q.kind, q.outcome, q.days, 1)
        on conflict on constraint stat_requests_pkey do update set requests = stat_requests.requests + 1;
        insert into request_stat_keys
            values (q.request_id, p, q.month, q.platform, q.kind, q.outcome, q.days, q.sent_on)
        on conflict (request_id) do update set month = excluded.month, platform = excluded.platform,
            kind = excluded.kind, outcome = excluded.outcome, days = excluded.days,
            sent_on = excluded.sent_on;
    end loop;
end $$;

