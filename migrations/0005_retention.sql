-- Retention: what each purge run removed (counts, not people).
create table purge_runs (
    id               bigint generated always as identity primary key,
    ran_at           timestamptz not null default now(),
    cases_deleted    int not null,
    reports_deleted  int not null,
    files_deleted    int not null,
    audit_deleted    int not null,
    mail_deleted     int not null default 0
);
create index cases_closed_idx on cases (closed_at) where status = 'closed' and not legal_hold;
