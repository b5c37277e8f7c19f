//! An order-preserving, duplicate-keeping JSON tree read by serde_json, which the metadata
//! reference is written over.

use core::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use crate::verdict::in_skipped;

/// An order-preserving, duplicate-keeping JSON tree.
#[derive(Debug, Clone)]
pub(crate) enum Tree {
    Null,
    /// A boolean or a number.
    Scalar,
    /// The decoded string, and whether it was written with escapes.
    Str(String, bool),
    Arr(Vec<Tree>),
    Obj(Vec<(String, Tree)>),
}

/// Which members of an object the tree keeps. The rules only look at the document's known
/// members and, inside `actions`, at each object's `name` members; every other member is skipped
/// unread (`IgnoredAny`), as MIDIMon's struct skips it. So a number beyond `f64` or deep nesting
/// there does not leave the reference undecided. Skipping is lenient (surrogate escapes are not
/// paired, nesting is not limited), so the reference only judges text that `json::validate`
/// accepts; `check_json_validate` holds that to serde_json's full parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keep {
    /// Every member of every object.
    All,
    /// The top level: the members `reference_metadata` reads, `actions` as [`Keep::Actions`].
    Document,
    /// The `actions` value: its items as [`Keep::ActionItem`].
    Actions,
    /// An item of `actions`: only its `name` members.
    ActionItem,
}

/// The top-level members the rules read: MIDIMon's required six first, then the optional ones.
pub const METADATA_FIELDS: [&str; 9] = [
    "name",
    "version",
    "description",
    "author",
    "license",
    "type",
    "homepage",
    "capabilities",
    "actions",
];

pub(crate) struct TreeSeed(pub(crate) Keep);

impl<'de> DeserializeSeed<'de> for TreeSeed {
    type Value = Tree;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Tree, D::Error> {
        d.deserialize_any(TreeVisitor(self.0))
    }
}

pub(crate) struct TreeVisitor(pub(crate) Keep);

impl<'de> Visitor<'de> for TreeVisitor {
    type Value = Tree;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Tree, E> {
        Ok(Tree::Scalar)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Tree, E> {
        Ok(Tree::Scalar)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Tree, E> {
        Ok(Tree::Scalar)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Tree, E> {
        Ok(Tree::Scalar)
    }
    fn visit_unit<E>(self) -> Result<Tree, E> {
        Ok(Tree::Null)
    }
    // serde_json lends a string straight from the input when it holds no escapes, and passes
    // a decoded copy otherwise.
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Tree, E> {
        Ok(Tree::Str(v.to_owned(), false))
    }
    fn visit_str<E>(self, v: &str) -> Result<Tree, E> {
        Ok(Tree::Str(v.to_owned(), true))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Tree, A::Error> {
        let mut items = Vec::new();
        let keep = match self.0 {
            Keep::Actions => Keep::ActionItem,
            _ => Keep::All,
        };
        while let Some(item) = seq.next_element_seed(TreeSeed(keep)).map_err(in_skipped)? {
            items.push(item);
        }
        Ok(Tree::Arr(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tree, A::Error> {
        let mut members = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let keep = match (self.0, key.as_str()) {
                (Keep::Document, "actions") => Keep::Actions,
                (Keep::Document, key) if METADATA_FIELDS.contains(&key) => Keep::All,
                (Keep::ActionItem, "name") | (Keep::All | Keep::Actions, _) => Keep::All,
                (Keep::Document | Keep::ActionItem, _) => {
                    map.next_value::<de::IgnoredAny>()?;
                    continue;
                }
            };
            members.push((
                key,
                map.next_value_seed(TreeSeed(keep)).map_err(in_skipped)?,
            ));
        }
        Ok(Tree::Obj(members))
    }
}
