//! Blueprints (spec §11): parse, validate, plan, apply and export authentik's YAML v1 format.
