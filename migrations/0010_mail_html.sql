-- Every mail has an HTML part beside its text (issue 14); mails queued
-- before have none and are sent as text only.
alter table outbox add column body_html text;
