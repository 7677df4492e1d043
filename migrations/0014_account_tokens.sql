-- Sessions an account's owner can end everywhere (password changed or
-- reset, "log out everywhere", deactivation): a session logged in before
-- this moment is refused on its next request.
alter table accounts add column sessions_valid_after timestamptz not null default '-infinity';

-- Single-use links sent by mail (password reset; invitations later): only
-- the SHA-256 of the token is kept.
create table account_tokens (
    token_hash  bytea primary key check (length(token_hash) = 32),
    account_id  uuid not null references accounts (id) on delete cascade,
    purpose     text not null check (purpose in ('password_reset')),
    created_at  timestamptz not null default now(),
    expires_at  timestamptz not null,
    used_at     timestamptz
);
create index account_tokens_account_idx on account_tokens (account_id, purpose);
create index account_tokens_expiry_idx on account_tokens (expires_at);
