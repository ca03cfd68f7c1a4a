//! Integration tests for castellan-policy.
