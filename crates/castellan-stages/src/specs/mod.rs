//! Settings of every stage type (field specs shared by the API, blueprints and the stages).
