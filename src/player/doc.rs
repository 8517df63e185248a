//! A document: everything derived from one scenario text, computed once per edit (never
//! per render). Links, imports, saved work, the JSON editor and the form all make
//! documents through [`Doc::derive`] or [`Doc::from_scenario`], so a link is checked
//! exactly as an edit is.

use crate::model::scenario::{parse_checked, reference_diagnostics};
use crate::model::schema::Diagnostic;
use crate::model::verify::TokenValidation;
use crate::model::token::Signatures;
use crate::model::view::{simulate_with_views_signed, WorldView};
use crate::model::world::simulate_lenient_signed;
use crate::model::{Scenario, SimTime, Trace};
use crate::scenarios;
use std::cell::{OnceCell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

/// Everything derived from one scenario text.
#[derive(Clone)]
pub struct Doc {
    /// The JSON source; for a document made by the form it is produced on first use
    /// (serializing a large scenario costs more than simulating it).
    text: Rc<OnceCell<Rc<str>>>,
    /// The built-in id, while the text is exactly that built-in.
    pub builtin: Option<Rc<str>>,
    /// The last scenario that could be read (kept while the text is broken).
    pub scenario: Rc<Scenario>,
    /// Problems in the text: syntax, shape, and references to names that exist nowhere.
    pub diagnostics: Rc<Vec<Diagnostic>>,
    /// The trace of `scenario`.
    pub trace: Rc<Trace>,
    /// The world before the first step and after each step: computed when the World tab
    /// first needs them (a second, identical run), so edits and start-up do not pay.
    views: Rc<OnceCell<(Rc<WorldView>, Rc<Vec<WorldView>>)>>,
    /// Token verifications by step, each computed once per trace (see [`Doc::token_check`]).
    tokens: Rc<RefCell<BTreeMap<usize, Rc<TokenValidation>>>>,
    /// The token signatures made so far, shared along a chain of edits: a run signs only
    /// the tokens the previous runs did not.
    signatures: Rc<RefCell<Signatures>>,
    /// True when the text could not be read and the trace is the previous one.
    pub stale: bool,
}

impl PartialEq for Doc {
    /// Cheap: the same source and the same derived trace (by pointer).
    fn eq(&self, o: &Doc) -> bool {
        Rc::ptr_eq(&self.text, &o.text) && self.builtin == o.builtin && self.stale == o.stale && Rc::ptr_eq(&self.trace, &o.trace) && Rc::ptr_eq(&self.diagnostics, &o.diagnostics)
    }
}

impl std::fmt::Debug for Doc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Doc({:?}, {} steps{})", self.scenario.name, self.trace.steps.len(), if self.stale { ", stale" } else { "" })
    }
}

fn text_cell(text: &str) -> Rc<OnceCell<Rc<str>>> {
    let c = OnceCell::new();
    let _ = c.set(Rc::from(text));
    Rc::new(c)
}

/// The JWT panel's check of a token: the one validator the resource servers use, against
/// the demo tenant's published JWKS (for the token's `tid`), at the virtual time `now` of
/// the step showing it. The audience is left to the resource that receives the token.
/// The one place the UI calls the verifier ([`Doc::token_check`] keeps each result for
/// the life of a trace).
pub fn verify_token(jwt: &str, now: SimTime) -> TokenValidation {
    use crate::model::{token, verify};
    let claims = token::decode_parts(jwt.trim()).and_then(|(_, c, _)| serde_json::from_str::<serde_json::Value>(&c).ok());
    let tenant_id = claims.as_ref().and_then(|c| c.get("tid")).and_then(|v| v.as_str()).unwrap_or("");
    let jwks = verify::parse_jwks(&token::jwks_json(tenant_id)).unwrap_or(jsonwebtoken::jwk::JwkSet { keys: Vec::new() });
    verify::validate(jwt, &jwks, &verify::Expectations { issuers: verify::tenant_issuers(tenant_id), audiences: None, now })
}

impl Doc {
    /// The world views (computed on first use).
    pub fn views(&self) -> (Rc<WorldView>, Rc<Vec<WorldView>>) {
        self.views
            .get_or_init(|| {
                let (_, initial, views, _) = simulate_with_views_signed(&self.scenario, &mut self.signatures.borrow_mut());
                (Rc::new(initial), Rc::new(views))
            })
            .clone()
    }

    /// The JSON source (computed on first use for form-made documents).
    pub fn text(&self) -> Rc<str> {
        self.text.get_or_init(|| Rc::from(self.scenario.to_json())).clone()
    }

    /// The text, when it exists already (no serialization).
    pub fn text_if_known(&self) -> Option<&str> {
        self.text.get().map(|t| &**t)
    }

    /// The verification of the token step `i` carries, computed on first use and kept
    /// for the life of this trace (rendering never re-verifies).
    pub fn token_check(&self, i: usize) -> Option<Rc<TokenValidation>> {
        let s = self.trace.steps.get(i)?;
        let jwt = s.jwt.as_deref()?;
        Some(self.tokens.borrow_mut().entry(i).or_insert_with(|| Rc::new(verify_token(jwt, s.time))).clone())
    }

    /// Derives a document from text: syntax, shape, then a lenient run whose unresolvable
    /// references become positioned diagnostics. `previous` stays on screen when the text
    /// cannot be read.
    pub fn derive(text: &str, builtin: Option<Rc<str>>, previous: Option<&Doc>) -> Doc {
        let (scenario, mut diagnostics) = parse_checked(text);
        match scenario {
            Some(sc) => {
                let signatures = previous.map(|p| p.signatures.clone()).unwrap_or_default();
                let (trace, errors) = simulate_lenient_signed(&sc, &mut signatures.borrow_mut());
                diagnostics.extend(reference_diagnostics(text, &sc, errors));
                Doc { text: text_cell(text), builtin, scenario: Rc::new(sc), diagnostics: Rc::new(diagnostics), trace: Rc::new(trace), views: Rc::default(), tokens: Rc::default(), signatures, stale: false }
            }
            None => {
                let keep = previous.cloned().unwrap_or_else(|| Doc::builtin(&scenarios::BUILT_INS[0]));
                Doc { text: text_cell(text), builtin: None, diagnostics: Rc::new(diagnostics), stale: true, ..keep }
            }
        }
    }

    /// Derives a document from text, naming the built-in it is exactly (if any).
    pub fn from_text(text: &str, previous: Option<&Doc>) -> Doc {
        let builtin = scenarios::BUILT_INS.iter().find(|b| b.json == text).map(|b| Rc::from(b.id));
        Doc::derive(text, builtin, previous)
    }

    /// A document from a scenario the form made (after `previous`, whose signatures it
    /// shares): simulated directly, no text round trip.
    /// Reference problems are reported without positions (the text does not exist yet).
    pub fn from_scenario(sc: Scenario, previous: Option<&Doc>) -> Doc {
        let signatures = previous.map(|p| p.signatures.clone()).unwrap_or_default();
        let (trace, errors) = simulate_lenient_signed(&sc, &mut signatures.borrow_mut());
        let diagnostics = errors.into_iter().map(|e| Diagnostic { path: e.path, line: 1, column: 1, message: e.message, hint: None }).collect();
        Doc { text: Rc::new(OnceCell::new()), builtin: None, scenario: Rc::new(sc), diagnostics: Rc::new(diagnostics), trace: Rc::new(trace), views: Rc::default(), tokens: Rc::default(), signatures, stale: false }
    }

    /// The document of a built-in scenario.
    pub fn builtin(b: &scenarios::BuiltIn) -> Doc {
        Doc::derive(b.json, Some(Rc::from(b.id)), None)
    }

    /// Is `text` this document's scenario (the same text, or the same scenario written
    /// differently: a link carries compact JSON, the editor pretty JSON)?
    pub fn shows(&self, text: &str) -> bool {
        self.text_if_known() == Some(text) || (!self.stale && Scenario::from_json(text).is_ok_and(|sc| sc == *self.scenario))
    }

    /// Edited work: a document that is not exactly a built-in (worth keeping when
    /// something else replaces it).
    pub fn is_own_work(&self) -> bool {
        self.builtin.is_none()
    }
}
