//! The playground's state: one reducer over a document derived from the scenario text.
//! Everything here is deterministic and browser-free; effects (storage, URL, timers)
//! live in `persist.rs` and the components.

use crate::model::scenario::{parse_checked, reference_diagnostics};
use crate::model::schema::Diagnostic;
use crate::model::view::{simulate_with_views, WorldView};
use crate::model::world::simulate_lenient;
use crate::model::{Scenario, Trace};
use crate::scenarios;
use std::cell::OnceCell;
use std::rc::Rc;
use yew::prelude::*;

/// Everything derived from one scenario text. Recomputed on every edit, never per render.
#[derive(Clone)]
pub struct Doc {
    /// The JSON source; for a document made by the form editor it is produced on first
    /// use (serializing a large scenario costs more than simulating it).
    text: Rc<OnceCell<AttrValue>>,
    /// The built-in id, while the text is exactly that built-in.
    pub builtin: Option<AttrValue>,
    /// The last scenario that could be read (kept while the text is broken).
    pub scenario: Rc<Scenario>,
    /// Problems in `text`.
    pub diagnostics: Rc<Vec<Diagnostic>>,
    /// The trace of `scenario`.
    pub trace: Rc<Trace>,
    /// The world before the first step and after each step: computed when the World tab
    /// first needs them (a second, identical run), so edits and start-up do not pay for them.
    views: Rc<OnceCell<(Rc<WorldView>, Rc<Vec<WorldView>>)>>,
    /// True when `text` could not be read and the trace is the previous one.
    pub stale: bool,
}

impl PartialEq for Doc {
    /// Cheap: the same source and the same derived trace (by pointer).
    fn eq(&self, o: &Doc) -> bool {
        Rc::ptr_eq(&self.text, &o.text) && self.builtin == o.builtin && self.stale == o.stale && Rc::ptr_eq(&self.trace, &o.trace) && Rc::ptr_eq(&self.diagnostics, &o.diagnostics)
    }
}

fn text_cell(text: &str) -> Rc<OnceCell<AttrValue>> {
    let c = OnceCell::new();
    let _ = c.set(AttrValue::from(text.to_string()));
    Rc::new(c)
}

impl Doc {
    /// The world views (computed on first use).
    pub fn views(&self) -> (Rc<WorldView>, Rc<Vec<WorldView>>) {
        self.views
            .get_or_init(|| {
                let (_, initial, views, _) = simulate_with_views(&self.scenario);
                (Rc::new(initial), Rc::new(views))
            })
            .clone()
    }

    /// The JSON source (computed on first use for form-made documents).
    pub fn text(&self) -> AttrValue {
        self.text.get_or_init(|| self.scenario.to_json().into()).clone()
    }

    /// Derives a document from text; `previous` is kept on screen when the text is broken.
    pub fn derive(text: &str, builtin: Option<AttrValue>, previous: Option<&Doc>) -> Doc {
        let (scenario, mut diagnostics): (Option<Scenario>, Vec<Diagnostic>) = parse_checked(text);
        match scenario {
            Some(sc) => {
                let (trace, errors) = simulate_lenient(&sc);
                diagnostics.extend(reference_diagnostics(text, &sc, errors));
                Doc { text: text_cell(text), builtin, scenario: Rc::new(sc), diagnostics: Rc::new(diagnostics), trace: Rc::new(trace), views: Rc::default(), stale: false }
            }
            _ => match previous {
                Some(p) => Doc { text: text_cell(text), builtin: None, diagnostics: Rc::new(diagnostics), stale: true, ..p.clone() },
                None => {
                    let fallback = Doc::builtin(&scenarios::BUILT_INS[0]);
                    Doc { text: text_cell(text), builtin: None, diagnostics: Rc::new(diagnostics), stale: true, ..fallback }
                }
            },
        }
    }

    /// A document from a scenario the form editor made: simulated directly, no text round
    /// trip. Reference problems are reported without positions (the text does not exist yet).
    pub fn from_scenario(sc: Scenario) -> Doc {
        let (trace, errors) = simulate_lenient(&sc);
        let diagnostics = errors.into_iter().map(|e| Diagnostic { path: e.path, line: 1, column: 1, message: e.message, hint: None }).collect();
        Doc { text: Rc::new(OnceCell::new()), builtin: None, scenario: Rc::new(sc), diagnostics: Rc::new(diagnostics), trace: Rc::new(trace), views: Rc::default(), stale: false }
    }

    /// The document of a built-in scenario.
    pub fn builtin(b: &scenarios::BuiltIn) -> Doc {
        Doc::derive(b.json, Some(b.id.into()), None)
    }
}

/// Which side panel is shown.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Tab {
    /// The current step's messages, token and decision.
    Inspector,
    /// The world's state at this step.
    World,
    /// The form and JSON editors.
    Edit,
    /// The built-in library.
    Gallery,
    /// Every step as text, in sync with the diagram (accessible, printable).
    Transcript,
    /// The exam-style question bank.
    Quiz,
}

/// Light, dark, or follow the system.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Theme {
    /// `prefers-color-scheme`.
    System,
    /// Light.
    Light,
    /// Dark.
    Dark,
}

/// Playback speeds: the label and the milliseconds per step.
pub const SPEEDS: [(&str, u32); 4] = [("0.5×", 2000), ("1×", 1000), ("2×", 500), ("4×", 250)];

/// The whole UI state.
#[derive(Clone, PartialEq)]
pub struct Playground {
    /// The scenario and what it produced.
    pub doc: Rc<Doc>,
    /// The current step.
    pub cursor: usize,
    /// Auto-advancing.
    pub playing: bool,
    /// Index into [`SPEEDS`].
    pub speed: usize,
    /// Earlier documents (undo).
    pub undo: Rc<Vec<Rc<Doc>>>,
    /// Undone documents (redo).
    pub redo: Rc<Vec<Rc<Doc>>>,
    /// The side panel.
    pub tab: Tab,
    /// Theme choice.
    pub theme: Theme,
    /// A message for the learner (e.g. a damaged saved value was set aside).
    pub notice: Option<AttrValue>,
    /// Predict mode: stop before decisive steps and ask what happens.
    pub predict: bool,
    /// The decisive step waiting for the learner's prediction.
    pub pending: Option<usize>,
    /// Predictions made on this scenario: step → (chosen, right?).
    pub answers: Rc<std::collections::BTreeMap<usize, (AttrValue, bool)>>,
}

/// The choices offered before a decisive step, derived from the model's trace: the real
/// outcome plus the outcomes that service can produce. `None` for a step that is not decisive.
pub fn prediction_choices(t: &Trace, i: usize) -> Option<Vec<String>> {
    use crate::model::{Message, ParticipantKind, Plane};
    let s = t.steps.get(i)?;
    let Message::Response(r) = &s.message else { return None };
    let kind = t.participants[s.from].kind;
    if s.plane == Plane::Control && r.status < 400 {
        return None;
    }
    let pool: &[&str] = match (kind, t.participants[s.from].label.as_str()) {
        (ParticipantKind::TokenEndpoint, _) => &["200 access_token", "400 Identity not found", "400 Required metadata header not specified", "429 Too Many Requests"],
        (ParticipantKind::ResourceServer, l) if l.starts_with("Key Vault") => &["200 secret value", "401 Unauthorized", "403 ForbiddenByRbac", "403 AccessDenied"],
        (ParticipantKind::ResourceServer, l) if l.starts_with("Storage") => &["200 blob content", "401 InvalidAuthenticationInfo", "403 AuthorizationPermissionMismatch", "403 AuthenticationFailed (x-ms-version)"],
        (ParticipantKind::Arm, _) => &["200 OK", "401 InvalidAuthenticationTokenAudience", "403 AuthorizationFailed"],
        (ParticipantKind::Entra, _) => &["200 access_token", "400 AADSTS70021", "400 AADSTS700016"],
        _ => return None,
    };
    let actual = s.label.clone();
    let mut choices: Vec<String> = pool.iter().map(|p| p.to_string()).collect();
    if !choices.contains(&actual) {
        let same = choices.iter().position(|c| c.split(' ').next() == actual.split(' ').next()).unwrap_or(choices.len() - 1);
        choices[same] = actual;
    }
    Some(choices)
}

/// What can happen.
pub enum Msg {
    /// Go to a step (0-based).
    Seek(usize),
    /// One step forward.
    Next,
    /// One step back.
    Prev,
    /// First step.
    First,
    /// Last step.
    Last,
    /// Play or pause.
    TogglePlay,
    /// A playback tick.
    Tick,
    /// Playback speed index.
    Speed(usize),
    /// New scenario text from the JSON editor (or an import).
    Text(String),
    /// A changed scenario from the form editor.
    Scenario(Box<Scenario>),
    /// Open a built-in.
    Open(AttrValue),
    /// Undo the last edit.
    Undo,
    /// Redo.
    Redo,
    /// Show a panel.
    Tab(Tab),
    /// Set the theme.
    Theme(Theme),
    /// Show or clear a notice.
    Notice(Option<AttrValue>),
    /// Turn predict mode on or off.
    TogglePredict,
    /// The learner's prediction for the pending step.
    Predict(AttrValue),
    /// Open a built-in at a step (from the question bank).
    OpenAt(AttrValue, usize),
}

impl Playground {
    /// A playground showing `doc` at `cursor`.
    pub fn new(doc: Doc, cursor: usize, notice: Option<AttrValue>) -> Playground {
        let last = doc.trace.steps.len().saturating_sub(1);
        Playground { doc: Rc::new(doc), cursor: cursor.min(last), playing: false, speed: 1, undo: Rc::default(), redo: Rc::default(), tab: Tab::Inspector, theme: Theme::System, notice, predict: false, pending: None, answers: Rc::default() }
    }

    fn last(&self) -> usize {
        self.doc.trace.steps.len().saturating_sub(1)
    }

    /// Replaces the document, keeping the learner's place where that step still exists.
    fn with_doc(&self, doc: Rc<Doc>, record: bool) -> Playground {
        let mut next = self.clone();
        if record {
            let mut u = (*self.undo).clone();
            u.push(self.doc.clone());
            if u.len() > 100 {
                u.remove(0);
            }
            next.undo = Rc::new(u);
            next.redo = Rc::default();
        }
        let last = doc.trace.steps.len().saturating_sub(1);
        next.cursor = self.cursor.min(last);
        next.playing = false;
        next.pending = None;
        next.answers = Rc::default();
        next.doc = doc;
        next
    }

    /// Moves forward one step, unless predict mode holds it for a prediction first.
    fn forward(&self, next: &mut Playground) {
        let target = (self.cursor + 1).min(self.last());
        if self.predict && target != self.cursor && !self.answers.contains_key(&target) && prediction_choices(&self.doc.trace, target).is_some() {
            next.pending = Some(target);
            next.playing = false;
        } else {
            next.cursor = target;
        }
    }
}

impl Reducible for Playground {
    type Action = Msg;
    fn reduce(self: Rc<Self>, msg: Msg) -> Rc<Self> {
        let last = self.last();
        let mut next = (*self).clone();
        match msg {
            Msg::Seek(i) => {
                next.cursor = i.min(last);
                next.pending = None;
            }
            Msg::Next => {
                if self.pending.is_some() {
                    return self;
                }
                self.forward(&mut next);
            }
            Msg::Prev => next.cursor = self.cursor.saturating_sub(1),
            Msg::First => next.cursor = 0,
            Msg::Last => next.cursor = last,
            Msg::TogglePlay => {
                next.playing = !self.playing;
                if next.playing && self.cursor >= last {
                    next.cursor = 0;
                }
            }
            Msg::Tick => {
                if !self.playing {
                    return self;
                }
                self.forward(&mut next);
                if next.pending.is_none() {
                    next.playing = next.cursor < last;
                }
            }
            Msg::Speed(s) => next.speed = s.min(SPEEDS.len() - 1),
            Msg::Text(t) => {
                if self.doc.text.get().is_some_and(|cur| cur.as_str() == t.as_str()) {
                    return self;
                }
                let builtin = scenarios::BUILT_INS.iter().find(|b| b.json == t).map(|b| AttrValue::from(b.id));
                next = self.with_doc(Rc::new(Doc::derive(&t, builtin, Some(&self.doc))), true);
            }
            Msg::Scenario(sc) => {
                next = self.with_doc(Rc::new(Doc::from_scenario(*sc)), true);
            }
            Msg::Open(id) => match scenarios::find(&id) {
                Some(b) => {
                    next = self.with_doc(Rc::new(Doc::builtin(b)), true);
                    next.cursor = 0;
                    next.tab = Tab::Inspector;
                }
                None => next.notice = Some(format!("There is no built-in scenario called '{id}'.").into()),
            },
            Msg::Undo => {
                let mut u = (*self.undo).clone();
                let Some(doc) = u.pop() else { return self };
                let mut r = (*self.redo).clone();
                r.push(self.doc.clone());
                next = self.with_doc(doc, false);
                next.undo = Rc::new(u);
                next.redo = Rc::new(r);
            }
            Msg::Redo => {
                let mut r = (*self.redo).clone();
                let Some(doc) = r.pop() else { return self };
                let mut u = (*self.undo).clone();
                u.push(self.doc.clone());
                next = self.with_doc(doc, false);
                next.undo = Rc::new(u);
                next.redo = Rc::new(r);
            }
            Msg::Tab(t) => next.tab = t,
            Msg::Theme(t) => next.theme = t,
            Msg::Notice(n) => next.notice = n,
            Msg::TogglePredict => {
                next.predict = !self.predict;
                next.pending = None;
            }
            Msg::Predict(choice) => {
                let Some(i) = self.pending else { return self };
                let right = self.doc.trace.steps.get(i).is_some_and(|s| s.label == choice.as_str());
                let mut a = (*self.answers).clone();
                a.insert(i, (choice, right));
                next.answers = Rc::new(a);
                next.cursor = i;
                next.pending = None;
            }
            Msg::OpenAt(id, step) => match scenarios::find(&id) {
                Some(b) => {
                    next = self.with_doc(Rc::new(Doc::builtin(b)), true);
                    let last = next.doc.trace.steps.len().saturating_sub(1);
                    next.cursor = step.saturating_sub(1).min(last);
                    next.tab = Tab::Inspector;
                }
                None => next.notice = Some(format!("There is no built-in scenario called '{id}'.").into()),
            },
        }
        if next == *self {
            return self;
        }
        Rc::new(next)
    }
}
