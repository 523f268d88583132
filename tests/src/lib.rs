//! Shared helpers for the end-to-end tests (real servers, several devices).
