-- School search from the public form: trigram indexes make "name or town
-- contains" cheap over ~60,000 schools (pg_trgm ships with PostgreSQL and
-- is a trusted extension: the database owner may create it).
create extension if not exists pg_trgm;
create index schools_name_trgm_idx on schools using gin (name gin_trgm_ops);
create index schools_town_trgm_idx on schools using gin (town gin_trgm_ops);

-- What a reporter adds after sending stays in the report's thread until the
-- school attaches it to the case (then stamped, so it is attached once).
alter table report_messages add column attached_at timestamptz;
alter table report_evidence add column attached_at timestamptz;
-- Files sent with a report that became a case were copied into it.
update report_evidence e set attached_at = r.decided_at
  from reports r where r.id = e.report_id and r.status = 'case_opened';

-- A burst of reports to one school is flagged (and mailed as a digest).
alter table reports add column suspected_flood boolean not null default false;
create index reports_school_recent_idx on reports (school_id, created_at);
create table school_digests (
    school_id     uuid primary key references schools (id) on delete cascade,
    last_sent_at  timestamptz not null
);

-- Receipts go to one address at most once an hour.
create index outbox_receipts_idx on outbox (to_address, created_at) where kind = 'report_receipt';
