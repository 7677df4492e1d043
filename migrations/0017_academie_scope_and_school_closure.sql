-- An administrator attached to one or more académies manages only the
-- schools and accounts of those académies (and sees their statistics); an
-- administrator with none is national.
create table account_academies (
    account_id  uuid not null references accounts (id) on delete cascade,
    academie    text not null,
    primary key (account_id, academie)
);

-- A closed school (merged, shut down) is no longer offered to the public
-- report form and takes no new case; its cases stay readable to its staff.
alter table schools add column closed_at timestamptz;
