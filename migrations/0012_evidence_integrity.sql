-- Evidence integrity: when each stored file was last found intact, the
-- files found missing or altered (no content, no name: what an
-- administrator needs to act), and the runs of the full verification.
-- (Evidence rows are append-only: the check times live beside them.)
create table file_checks (
    storage_key  text primary key,
    verified_at  timestamptz not null
);

create table integrity_alerts (
    storage_key  text primary key,
    case_id      uuid references cases (id) on delete cascade,
    report_id    uuid references reports (id) on delete cascade,
    problem      text not null check (problem in ('missing', 'altered')),
    found_by     text not null check (found_by in ('download', 'verification')),
    detected_at  timestamptz not null default now()
);
create index integrity_alerts_recent_idx on integrity_alerts (detected_at desc);

create table verification_runs (
    id           bigint generated always as identity primary key,
    started_at   timestamptz not null,
    finished_at  timestamptz not null default now(),
    checked      int not null,
    missing      int not null,
    altered      int not null
);
