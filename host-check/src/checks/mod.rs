//! What host-check thinks of a plugin once it runs. Today this holds the dynamic checks
//! ([`dynamic`]); the static checks are still [`crate::static_check`] and the MIDIMon config
//! cross-check [`crate::config`].

pub mod dynamic;
