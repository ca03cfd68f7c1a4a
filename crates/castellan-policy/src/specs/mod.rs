//! Settings of every policy type (field specs shared by the API, blueprints and the engine).
