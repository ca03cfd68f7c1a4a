//! Stages (spec §4): one module per stage type, named as authentik's apps.

pub mod specs;
