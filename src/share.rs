//! Share links: a scenario (and the step being shown) as a compact, URL-fragment-safe
//! string, and back. Format: `1.<base64url(raw DEFLATE(compact JSON))>` for the scenario;
//! the step travels beside it in the fragment (`#s=…&step=7`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::model::scenario::{load, Scenario};

/// Version prefix of the encoding.
const PREFIX: &str = "1.";
/// Largest inflated scenario accepted from a link (a guard against decompression bombs).
const MAX_INFLATED: usize = crate::model::scenario::MAX_INPUT;

/// Why a link could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkError {
    /// Not produced by this encoder (unknown version prefix).
    UnknownFormat,
    /// Characters outside the URL-safe base64 alphabet: the link was altered.
    Corrupted,
    /// The compressed data ends early or is damaged: the link was cut off or altered.
    Truncated,
    /// The link inflates to more than the scenario size limit.
    TooLarge,
    /// The link decodes, but the scenario inside has problems.
    Invalid(Vec<String>),
}

impl std::fmt::Display for LinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LinkError::UnknownFormat => write!(f, "this is not a Managed Identity Playground scenario link (it should start with '1.')"),
            LinkError::Corrupted => write!(f, "the link is corrupted: it contains characters a share link never has (was it edited or re-encoded?)"),
            LinkError::Truncated => write!(f, "the link is incomplete or damaged: copy the whole link again (chat apps sometimes cut long links)"),
            LinkError::TooLarge => write!(f, "the link expands to more than 4 MiB, the scenario size limit"),
            LinkError::Invalid(p) => write!(f, "the scenario in the link has {} problem(s): {}", p.len(), p.join("; ")),
        }
    }
}

/// Encodes a scenario for a link.
pub fn encode(sc: &Scenario) -> String {
    let json = sc.to_compact_json();
    let packed = miniz_oxide::deflate::compress_to_vec(json.as_bytes(), 9);
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(&packed))
}

/// The scenario text a link carries (inflated, not yet checked): the playground opens
/// it exactly as it would open that text typed into the editor, so a link is validated
/// by the same path as a simulation, and a scenario with problems still opens, with its
/// diagnostics, instead of being refused.
pub fn decode_text(link: &str) -> Result<String, LinkError> {
    let body = link.trim().strip_prefix(PREFIX).ok_or(LinkError::UnknownFormat)?;
    if !body.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_') {
        return Err(LinkError::Corrupted);
    }
    let packed = URL_SAFE_NO_PAD.decode(body).map_err(|_| LinkError::Truncated)?;
    let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, MAX_INFLATED).map_err(|e| match e.status {
        miniz_oxide::inflate::TINFLStatus::HasMoreOutput => LinkError::TooLarge,
        _ => LinkError::Truncated,
    })?;
    String::from_utf8(json).map_err(|_| LinkError::Truncated)
}

/// Decodes a link made by [`encode`] into a scenario with no problems (the CLI's and the
/// tests' strict reading; the playground uses [`decode_text`]).
pub fn decode(link: &str) -> Result<Scenario, LinkError> {
    let text = decode_text(link)?;
    let loaded = load(&text);
    match loaded.scenario {
        Some(sc) if loaded.diagnostics.is_empty() => Ok(sc),
        _ => Err(LinkError::Invalid(loaded.diagnostics.iter().map(|d| format!("{} ({})", d.text(), d.path)).collect())),
    }
}

/// A URL fragment carrying a scenario and a step: `s=<link>&step=<n>` (step 1-based).
pub fn fragment(sc: &Scenario, step: usize) -> String {
    write_fragment(Some(&encode(sc)), None, step)
}

/// The one writer of the URL fragment (without `#`; [`parse_fragment`] is its reader):
/// `s=<link>&step=n` for a scenario carried in the link, `scenario=<id>&step=n` for a
/// built-in, else `step=n`. `step` is 1-based.
pub fn write_fragment(link: Option<&str>, id: Option<&str>, step: usize) -> String {
    match (link, id) {
        (Some(link), _) => format!("s={link}&step={step}"),
        (None, Some(id)) => format!("scenario={id}&step={step}"),
        (None, None) => format!("step={step}"),
    }
}

/// Splits a fragment (with or without `#`) into its `s` / `scenario` / `step` values.
pub fn parse_fragment(frag: &str) -> (Option<String>, Option<String>, Option<usize>) {
    let (mut s, mut id, mut step) = (None, None, None);
    for part in frag.trim_start_matches('#').split('&') {
        match part.split_once('=') {
            Some(("s", v)) => s = Some(v.to_string()),
            Some(("scenario", v)) => id = Some(v.to_string()),
            Some(("step", v)) => step = v.parse().ok(),
            _ => {}
        }
    }
    (s, id, step)
}
