//! Decoding a schema-checked [`super::json::Node`] tree into a [`super::scenario::Scenario`]
//! without serde's derive (it keeps the WebAssembly bundle small).
