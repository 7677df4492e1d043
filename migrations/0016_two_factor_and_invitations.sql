-- Two-factor sign-in (TOTP). The secret is sealed with the installation's
-- key (nonce ‖ ChaCha20-Poly1305 ciphertext, bound to the account id); it is
-- in use once confirmed by a first code (totp_enrolled_at). The last time
-- step accepted is kept so that a code is never accepted twice.
alter table accounts
    add column totp_secret      bytea,
    add column totp_enrolled_at timestamptz,
    add column totp_last_step   bigint not null default 0,
    add constraint accounts_totp_enrolled_has_secret
        check (totp_enrolled_at is null or totp_secret is not null);

-- Ten single-use codes per account, for a lost phone: only their SHA-256.
create table recovery_codes (
    account_id  uuid not null references accounts (id) on delete cascade,
    code_hash   bytea not null check (length(code_hash) = 32),
    created_at  timestamptz not null default now(),
    used_at     timestamptz,
    primary key (account_id, code_hash)
);

-- Invitations: an account made by an administrator has no password until
-- its owner chooses one through the link mailed to them.
alter table accounts alter column password_hash drop not null;
alter table accounts add column invited_at timestamptz;
alter table account_tokens drop constraint account_tokens_purpose_check;
alter table account_tokens
    add constraint account_tokens_purpose_check check (purpose in ('password_reset', 'invitation'));

-- Administrators search accounts by a part of the address or name.
create index accounts_email_trgm_idx on accounts using gin (email gin_trgm_ops);
create index accounts_name_trgm_idx on accounts using gin (display_name gin_trgm_ops);
