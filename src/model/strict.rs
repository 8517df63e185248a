//! Serde as strict as the published schema. serde_json on its own is lenient in two ways
//! the scenario format is not: it fills a struct from an array (fields by position), and
//! it reads a unit enum from `{"variant": null}`. Scenarios must be accepted by serde
//! exactly when the schema check finds no problem (`tests/format.rs` checks both ways over
//! mutated documents), so:
//!
//! - struct-valued fields read through [`object`], [`objects`] or [`optional_object`]
//!   (an object and nothing else: `#[serde(deserialize_with = "…")]`);
//! - closed sets of strings are declared with [`string_enum!`], which reads them from a
//!   string only and gives each its `ALL` list, written form, `Display` and JSON Schema
//!   from the same declaration.

use serde::de::value::MapAccessDeserializer;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;
use std::marker::PhantomData;

/// Reads `T` from a JSON object only (serde's derive would also take an array).
pub fn object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    d.deserialize_map(ObjectVisitor(PhantomData))
}

/// Reads a list of `T`, each from a JSON object only.
pub fn objects<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    struct Items<T>(PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for Items<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an array of objects")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::new();
            while let Some(x) = seq.next_element_seed(ObjectSeed(PhantomData))? {
                out.push(x);
            }
            Ok(out)
        }
    }
    d.deserialize_seq(Items(PhantomData))
}

/// Reads `null` as `None` and a JSON object as `Some(T)`.
pub fn optional_object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    struct Opt<T>(PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for Opt<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object or null")
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Option<T>, E> {
            Ok(None)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Option<T>, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
            object(d).map(Some)
        }
    }
    d.deserialize_option(Opt(PhantomData))
}

struct ObjectSeed<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for ObjectSeed<T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        object(d)
    }
}

struct ObjectVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map))
    }
}

/// Declares a closed set of strings as a Rust enum: `Variant = "written form" | "alias"`,
/// with `enum Name default Variant { … }` for a `Default`.
/// Generates `ALL` (declaration order), `as_str` (the first spelling), `parse` (exact
/// spelling, aliases included), `Display`, serde (from a string only) and a JSON Schema
/// (`{"type": "string", "enum": [...every spelling]}`, described by the enum's doc).
macro_rules! string_enum {
    (
        $(#[doc = $doc:literal])*
        $vis:vis enum $name:ident default $default:ident { $($body:tt)* }
    ) => {
        string_enum! { $(#[doc = $doc])* $vis enum $name { $($body)* } }
        impl Default for $name {
            fn default() -> Self {
                $name::$default
            }
        }
    };
    (
        $(#[doc = $doc:literal])*
        $vis:vis enum $name:ident {
            $(
                $(#[doc = $vdoc:literal])*
                $variant:ident = $wire:literal $(| $alias:literal)*
            ),+ $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        $vis enum $name {
            $( $(#[doc = $vdoc])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The spelling written in scenarios and on the wire.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire,)+ }
            }
            /// Reads a written form (exact spelling; aliases accepted).
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($wire $(| $alias)* => Some($name::$variant),)+ _ => None }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> ::serde::de::Visitor<'de> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter) -> ::std::fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " string"))
                    }
                    fn visit_str<E: ::serde::de::Error>(self, s: &str) -> Result<$name, E> {
                        $name::parse(s).ok_or_else(|| E::unknown_variant(s, &[$($wire),+]))
                    }
                }
                d.deserialize_str(V)
            }
        }

        impl ::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                let doc: Vec<&str> = [$($doc),*].iter().map(|l| l.trim()).collect();
                ::schemars::json_schema!({
                    "type": "string",
                    "enum": [$($wire $(, $alias)*),+],
                    "description": doc.join(" ").trim(),
                })
            }
        }
    };
}
pub(crate) use string_enum;

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    string_enum! {
        /// A test set.
        enum Colour {
            /// Red.
            Red = "red",
            Blue = "blue" | "Blue",
        }
    }

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        #[serde(default)]
        a: u32,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        #[serde(default, deserialize_with = "super::object")]
        one: Inner,
        #[serde(default, deserialize_with = "super::objects")]
        many: Vec<Inner>,
        #[serde(default, deserialize_with = "super::optional_object")]
        maybe: Option<Inner>,
    }

    #[test]
    fn string_enums_read_strings_only() {
        assert_eq!(serde_json::from_str::<Colour>("\"red\"").unwrap(), Colour::Red);
        assert_eq!(serde_json::from_str::<Colour>("\"Blue\"").unwrap(), Colour::Blue);
        assert_eq!(Colour::Blue.as_str(), "blue");
        assert_eq!(Colour::ALL, [Colour::Red, Colour::Blue]);
        for bad in ["\"RED\"", "{\"red\": null}", "0", "null", "[\"red\"]"] {
            assert!(serde_json::from_str::<Colour>(bad).is_err(), "{bad}");
        }
        let s = serde_json::to_value(schemars::schema_for!(Colour)).unwrap();
        assert_eq!(s["enum"], serde_json::json!(["red", "blue", "Blue"]));
        assert_eq!(s["description"], "A test set.");
    }

    #[test]
    fn structs_from_objects_only() {
        let ok: Outer = serde_json::from_str(r#"{"one": {"a": 1}, "many": [{}, {"a": 2}], "maybe": null}"#).unwrap();
        assert_eq!(ok, Outer { one: Inner { a: 1 }, many: vec![Inner { a: 0 }, Inner { a: 2 }], maybe: None });
        for bad in [r#"{"one": [1]}"#, r#"{"many": [[]]}"#, r#"{"maybe": []}"#, r#"{"many": {}}"#, r#"{"one": {"b": 1}}"#] {
            assert!(serde_json::from_str::<Outer>(bad).is_err(), "{bad}");
        }
        // What serde's derive alone would accept:
        assert!(serde_json::from_str::<Inner>("[1]").is_ok());
    }
}
