//! The one place a settings group's keys are declared.
//!
//! A key used to be spelled in seven places (the struct, its overrides, a key list, the TOML
//! parser, the merge, the flag and a copy of the flag). [`settings_group!`] takes each key once
//! (its doc, which is also the flag's `--help`, its `#[arg]`, its budget-file deserializer, its
//! type and its default) and writes the rest:
//!
//! - the resolved struct, every key with its value, and its `Default`;
//! - the override struct, every key optional, deriving `clap::Args` (the key's flag, flattened
//!   into a subcommand's options) and `serde::Deserialize` with `deny_unknown_fields` (the
//!   key's budget-file entry);
//! - the override struct's `KEYS`, `or` (one layer over another) and `apply_to` (the layers
//!   over the defaults).
//!
//! A key is written `name: V => R = default`: `V` is what its flag and its file entry hold,
//! `R` the resolved type, either `V` or `Option<V>` (a threshold that is off by default); both
//! convert with `R::from(V)`.

/// Declares a settings group; see the module documentation.
macro_rules! settings_group {
    (
        $(#[$meta:meta])*
        pub struct $name:ident;
        $(#[$over_meta:meta])*
        pub struct $over:ident {
            $(
                $(#[doc = $doc:literal])*
                #[arg($($arg:tt)*)]
                #[serde(deserialize_with = $de:literal)]
                pub $field:ident: $value:ty => $resolved:ty = $default:expr,
            )*
        }
    ) => {
        $(#[$meta])*
        pub struct $name {
            $(
                $(#[doc = $doc])*
                pub $field: $resolved,
            )*
        }

        impl Default for $name {
            fn default() -> Self {
                $name {
                    $($field: $default,)*
                }
            }
        }

        $(#[$over_meta])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $over {
            $(
                $(#[doc = $doc])*
                #[arg($($arg)*)]
                #[serde(default, deserialize_with = $de)]
                pub $field: Option<$value>,
            )*
        }

        impl $over {
            /// The budget-file keys of this group, in declaration order.
            pub const KEYS: &'static [&'static str] = &[$(stringify!($field)),*];

            /// Every key set here, else the one set in `lower`.
            pub fn or(self, lower: $over) -> $over {
                $over {
                    $($field: self.$field.or(lower.$field),)*
                }
            }

            /// Writes every key set here into `settings`.
            pub fn apply_to(self, settings: &mut $name) {
                $(
                    if let Some(value) = self.$field {
                        settings.$field = <$resolved>::from(value);
                    }
                )*
            }
        }
    };
}

pub(super) use settings_group;
