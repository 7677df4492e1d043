//! Vigie: file and track cyber-harassment cases between schools and the
//! e-Enfance helpline (3018).

pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod embedded_pg;
pub mod error;
pub mod jobs;
pub mod mail;
pub mod metrics;
pub mod ops;
pub mod pdf;
pub mod server;
pub mod storage;
pub mod web;
