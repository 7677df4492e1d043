-- Every mail has an HTML part beside its text (issue 14); mails queued
-- before have none and are sent as text only.
alter table outbox add column body_html text;

-- Administrators page through every school, account and unsent mail in
-- their list order (issue 14, "every list pages through everything").
create index schools_list_idx on schools (academie, name, id);
create index accounts_list_idx on accounts (role, email, id) where active;
create index outbox_unsent_idx on outbox (created_at, id) where status <> 'sent';
