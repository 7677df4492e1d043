//! Integration tests: the real router on a real port, a fresh PostgreSQL
//! database per test, clients that keep cookies and send CSRF tokens as a
//! browser does.

mod helpers;
mod smtp;

mod academies;
mod admin_accounts;
mod anonymous;
mod audit_chain;
mod authorization;
mod browser;
mod cases;
mod cli;
mod commands;
mod dossier;
mod dossier_pdf;
mod everyday;
mod helpline;
mod integrity;
mod kept_pages;
mod legal;
mod login;
mod mail;
mod nodes;
mod operations;
mod pages;
mod passwords;
mod reminders;
mod reports;
mod retention;
mod s3;
mod security;
mod sessions;
mod statistics;
mod supervision;
mod triage;
mod two_factor;
mod uploads;
