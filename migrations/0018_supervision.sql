-- Helpline supervision reads the unclaimed cases by age and the claims and
-- returns of recent weeks without walking every case or every event.
create index cases_unclaimed_idx on cases (referred_at) where status = 'referred';
create index case_events_claims_returns_idx on case_events (created_at)
    where kind in ('claimed', 'returned');

-- Platform accountability reads the requests sent in a period.
create index platform_requests_sent_idx on platform_requests (sent_on);
