//! Integration tests: the real router on a real port, a fresh PostgreSQL
//! database per test, clients that keep cookies and send CSRF tokens as a
//! browser does.

mod helpers;

mod authorization;
mod cases;
mod cli;
mod login;
mod security;
mod uploads;
