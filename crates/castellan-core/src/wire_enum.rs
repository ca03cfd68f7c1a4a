//! `wire_enum!`: a unit enum with authentik's wire/database names, parsed and printed both ways.

/// Declares an enum whose variants map one-to-one to wire strings; the first variant listed
/// with `#[default]` is the default. Generates `as_str`, `parse` and `ALL`.
#[macro_export]
macro_rules! wire_enum {
    ($(#[$m:meta])* $vis:vis enum $name:ident { $($(#[$vm:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        $vis enum $name { $($(#[$vm])* $variant),+ }
        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// Every wire name, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($wire),+];
            /// Wire/database name.
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $wire),+ } }
            /// Parses the wire/database name.
            pub fn parse(value: &str) -> Option<Self> { match value { $($wire => Some($name::$variant),)+ _ => None } }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }
    };
}
