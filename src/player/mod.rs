//! The playground's state and its one reducer, in plain Rust: no browser, no Yew, tested
//! natively (`cargo test --no-default-features player`). The UI (`src/app`, feature
//! `web`) renders a [`Playground`] and sends [`Msg`]s; effects (storage, the URL, timers,
//! files) stay in the UI's `persist.rs`, which hands this module plain data ([`Saved`],
//! [`Recent`], [`Location`]).
//!
//! - Stepping: cursor, playback, speed; predict mode holds the player before each
//!   decisive step, hides everything after the learner's place, and scores the answers
//!   (choices and grading from [`predict`]).
//! - Editing: JSON text, form edits ([`crate::model::edit::Edit`], applied here), undo and
//!   redo; every edit keeps the learner on the same script action when it still exists.
//! - Never losing work: a link, a built-in, an import or a `hashchange` that replaces the
//!   learner's own scenario first puts it in the recent-work list ([`Recent`], several
//!   slots, kept by the UI in browser storage), and says so.

pub mod doc;
pub mod predict;
pub mod text;

pub use doc::Doc;
use crate::model::edit::Edit;
use crate::model::Trace;
use crate::scenarios;
use predict::Answer;
use std::collections::BTreeMap;
use std::rc::Rc;

/// Which side panel is shown.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Tab {
    /// The current step's messages, token and decision.
    Inspector,
    /// The world's state at this step.
    World,
    /// The form and JSON editors.
    Edit,
    /// The built-in library and recent work.
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

/// How the diagram is sized.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Zoom {
    /// Scaled to the pane's width (within readable limits).
    Fit,
    /// Its natural size (the pane scrolls).
    Actual,
}

/// Playback speeds: the label and the milliseconds per step.
pub const SPEEDS: [(&str, u32); 4] = [("0.5×", 2000), ("1×", 1000), ("2×", 500), ("4×", 250)];

/// Slots in the recent-work list.
pub const RECENT_SLOTS: usize = 8;

/// Undo steps kept.
const UNDO_DEPTH: usize = 100;

/// A scenario the learner worked on, kept when something replaced it.
#[derive(Clone, Debug, PartialEq)]
pub struct Recent {
    /// Its title.
    pub name: Rc<str>,
    /// Its JSON text.
    pub text: Rc<str>,
    /// The step shown (0-based).
    pub step: usize,
}

/// What autosave keeps (read back at start-up).
#[derive(Clone, Debug, PartialEq)]
pub struct Saved {
    /// The scenario text.
    pub text: String,
    /// The built-in id, if unmodified.
    pub builtin: Option<String>,
    /// The step shown (0-based).
    pub step: usize,
    /// The scenario's title (older saves have none).
    pub name: Option<String>,
}

/// Where the URL fragment points: `#s=<link>&step=n`, `#scenario=<id>&step=n` or `#step=n`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
    /// A share link's payload (`s=`).
    pub link: Option<String>,
    /// A built-in id (`scenario=`).
    pub id: Option<String>,
    /// The step, 1-based as in the URL.
    pub step: Option<usize>,
}

impl Location {
    /// Reads a fragment (with or without `#`).
    pub fn parse(fragment: &str) -> Location {
        let (link, id, step) = crate::share::parse_fragment(fragment);
        Location { link, id, step }
    }

    /// The 0-based step.
    fn step0(&self) -> Option<usize> {
        self.step.map(|s| s.saturating_sub(1))
    }
}

/// A message for the learner, optionally with a way back to what was just replaced.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    /// What happened.
    pub text: Rc<str>,
    /// The recent-work slot that can be restored from the notice.
    pub restore: Option<usize>,
}

impl Notice {
    /// A plain notice.
    pub fn text(t: impl Into<Rc<str>>) -> Notice {
        Notice { text: t.into(), restore: None }
    }
}

/// A prediction the learner made: what they chose, and whether it was right.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Predicted {
    /// The choice.
    pub chosen: Answer,
    /// Whether it matched what the step answered.
    pub right: bool,
}

/// Predict mode.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Predict {
    /// On or off.
    pub on: bool,
    /// The decisive step waiting for the learner's prediction.
    pub pending: Option<usize>,
    /// Predictions made on this trace, by step.
    pub answers: Rc<BTreeMap<usize, Predicted>>,
    /// The furthest step the learner has reached: everything after it stays hidden.
    pub seen: usize,
}

impl Predict {
    /// Right answers and answers given.
    pub fn score(&self) -> (usize, usize) {
        (self.answers.values().filter(|p| p.right).count(), self.answers.len())
    }
}

/// The whole UI state.
#[derive(Clone, PartialEq, Debug)]
pub struct Playground {
    /// The scenario and what it produced.
    pub doc: Rc<Doc>,
    /// The current step (0-based).
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
    /// Whether the side panel is shown.
    pub side: bool,
    /// Diagram sizing.
    pub zoom: Zoom,
    /// Theme choice.
    pub theme: Theme,
    /// A message for the learner.
    pub notice: Option<Notice>,
    /// Predict mode.
    pub predict: Predict,
    /// Work the learner did, kept when something replaced it (newest first).
    pub recent: Rc<Vec<Recent>>,
    /// The learner has moved since the page opened (the "press → to start" hint goes).
    pub started: bool,
}

/// What can happen.
#[derive(Clone, Debug, PartialEq)]
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
    /// New scenario text from the JSON editor.
    Text(String),
    /// A scenario file the learner opened (replaces the document; own work is kept).
    Import(String),
    /// A change from the form editor.
    Edit(Edit),
    /// Open a built-in.
    Open(Rc<str>),
    /// Open a built-in at a step (1-based, from the question bank).
    OpenAt(Rc<str>, usize),
    /// The URL fragment changed (a link opened in this tab, `&step=9` typed by hand).
    Navigate(Location),
    /// Reopen a recent-work slot.
    Restore(usize),
    /// Undo the last edit.
    Undo,
    /// Redo.
    Redo,
    /// Show a panel (and the side pane, if hidden).
    Tab(Tab),
    /// Show or hide the side pane.
    ToggleSide,
    /// Diagram sizing.
    Zoom(Zoom),
    /// Set the theme.
    Theme(Theme),
    /// Show or clear a notice.
    Notice(Option<Notice>),
    /// Turn predict mode on or off.
    TogglePredict,
    /// The learner's prediction for the pending step.
    Predict(Answer),
    /// A live session's scenario (`mip serve --open`: its script with every real request
    /// recorded), shown at its last step. The first replaces the document (own work kept,
    /// as for a link); later ones follow it without filling the undo history.
    Live {
        /// The recorded scenario's text.
        text: String,
        /// Whether this is the session's first update on this page.
        first: bool,
    },
}

/// Where the learner is: the script action of the current step and which of that
/// action's steps it is.
fn place(doc: &Doc, cursor: usize) -> Option<(usize, usize)> {
    let steps = &doc.trace.steps;
    let action = steps.get(cursor)?.action;
    Some((action, steps[..cursor].iter().rev().take_while(|s| s.action == action).count()))
}

/// The step of a trace for a place, or the nearest one after it.
fn find_place(doc: &Doc, (action, nth): (usize, usize)) -> Option<usize> {
    let steps = &doc.trace.steps;
    let first = steps.iter().position(|s| s.action >= action)?;
    if steps[first].action != action {
        return Some(first);
    }
    let run = steps[first..].iter().take_while(|s| s.action == action).count();
    Some(first + nth.min(run - 1))
}

impl Playground {
    /// A playground showing `doc` at `cursor`.
    pub fn new(doc: Doc, cursor: usize) -> Playground {
        let last = doc.trace.steps.len().saturating_sub(1);
        Playground {
            doc: Rc::new(doc),
            cursor: cursor.min(last),
            playing: false,
            speed: 1,
            undo: Rc::default(),
            redo: Rc::default(),
            tab: Tab::Inspector,
            side: true,
            zoom: Zoom::Fit,
            theme: Theme::System,
            notice: None,
            predict: Predict::default(),
            recent: Rc::default(),
            started: false,
        }
    }

    /// The state at start-up: a link (or built-in id) in the fragment wins, then the
    /// autosaved work, then the first built-in. A link never silently replaces saved work
    /// of the learner's own: that goes to the recent-work list first, with a notice.
    /// `damaged` names the storage key a damaged saved value was set aside under.
    pub fn start(at: &Location, saved: Option<Saved>, damaged: Option<String>, recent: Vec<Recent>) -> Playground {
        let opened: Option<Result<Doc, Notice>> = if let Some(link) = &at.link {
            Some(crate::share::decode_text(link).map(|t| Doc::from_text(&t, None)).map_err(|e| Notice::text(format!("This link could not be opened: {e}"))))
        } else {
            at.id.as_ref().map(|id| scenarios::find(id).map(Doc::builtin).ok_or_else(|| Notice::text(format!("There is no built-in scenario called '{id}'."))))
        };
        let resume = |s: &Saved| {
            let builtin = s.builtin.as_deref().and_then(scenarios::find).filter(|b| b.json == s.text).map(|b| Rc::from(b.id));
            Playground::new(Doc::derive(&s.text, builtin, None), at.step0().unwrap_or(s.step))
        };
        let first = || Playground::new(Doc::builtin(&scenarios::BUILT_INS[0]), 0);
        let mut p = match (opened, &saved) {
            (Some(Ok(doc)), _) => {
                let mut p = Playground::new(doc, at.step0().unwrap_or(0));
                p.recent = Rc::new(recent);
                let own = saved.filter(|s| s.builtin.as_deref().and_then(scenarios::find).is_none_or(|b| b.json != s.text));
                if let Some(s) = own.filter(|s| !p.doc.shows(&s.text)) {
                    let name: Rc<str> = s.name.as_deref().unwrap_or("your earlier work").into();
                    p.keep(Recent { name: name.clone(), text: s.text.into(), step: s.step });
                    p.notice = Some(Notice { text: format!("This link opened '{}'. Your own scenario '{name}' was not replaced: it is kept under Recent work (Scenarios tab).", p.doc.scenario.name).into(), restore: Some(0) });
                }
                if let (Some(aside), None) = (&damaged, &p.notice) {
                    p.notice = Some(Notice::text(format!("Your saved work could not be read; the damaged value was kept in browser storage under '{aside}'.")));
                }
                p.predict.seen = p.cursor;
                return p;
            }
            (Some(Err(notice)), Some(s)) => Playground { notice: Some(notice), ..resume(s) },
            (Some(Err(notice)), None) => Playground { notice: Some(notice), ..first() },
            (None, Some(s)) => resume(s),
            (None, None) => first(),
        };
        p.recent = Rc::new(recent);
        if let Some(aside) = damaged {
            p.notice = Some(Notice::text(format!("Your saved work could not be read, so the playground started clean. The damaged value was kept in browser storage under '{aside}'.")));
        }
        p.predict.seen = p.cursor;
        p
    }

    fn last(&self) -> usize {
        self.doc.trace.steps.len().saturating_sub(1)
    }

    /// Steps from this index on are hidden (predict mode: not reached yet).
    pub fn hidden_from(&self) -> Option<usize> {
        self.predict.on.then_some(self.predict.seen + 1)
    }

    /// Puts work in the recent list (newest first, no duplicates, [`RECENT_SLOTS`] at most).
    fn keep(&mut self, r: Recent) {
        let mut v: Vec<Recent> = self.recent.iter().filter(|x| x.text != r.text).cloned().collect();
        v.insert(0, r);
        v.truncate(RECENT_SLOTS);
        self.recent = Rc::new(v);
    }

    /// Before the document is replaced by something that is not an edit of it: keeps the
    /// learner's own work in the recent list.
    fn shelve(&mut self) {
        if self.doc.is_own_work() {
            let r = Recent { name: self.doc.scenario.name.as_str().into(), text: self.doc.text(), step: self.cursor };
            self.keep(r);
        }
    }

    /// Replaces the document, keeping the learner's place: the same step of the same
    /// script action when it still exists (`shift` says where an edit inserted or removed
    /// a script action), else the same index.
    fn with_doc(&self, doc: Rc<Doc>, record: bool, shift: Option<(usize, isize)>) -> Playground {
        let mut next = self.clone();
        if record {
            let mut u = (*self.undo).clone();
            u.push(self.doc.clone());
            if u.len() > UNDO_DEPTH {
                u.remove(0);
            }
            next.undo = Rc::new(u);
            next.redo = Rc::default();
        }
        let last = doc.trace.steps.len().saturating_sub(1);
        let moved = place(&self.doc, self.cursor).map(|(action, nth)| match shift {
            Some((at, d)) if action > at || (d > 0 && action == at) => (action.saturating_add_signed(d), nth),
            Some((at, -1)) if action == at => (action, 0),
            _ => (action, nth),
        });
        next.cursor = moved.and_then(|p| find_place(&doc, p)).unwrap_or(self.cursor).min(last);
        next.playing = false;
        next.predict = Predict { on: self.predict.on, seen: next.cursor, ..Predict::default() };
        next.doc = doc;
        next
    }

    /// A new document that is not an edit of the current one (a built-in, a link, a
    /// file, a recent slot): own work is kept first; undo can still go back.
    fn replace(&self, doc: Doc, cursor: usize) -> Playground {
        let mut next = self.clone();
        next.shelve();
        let mut next = next.with_doc(Rc::new(doc), true, None);
        next.cursor = cursor.min(next.last());
        next.predict.seen = next.cursor;
        next
    }

    /// Moves towards `target`; in predict mode stops before the first decisive step not
    /// yet revealed and asks for a prediction.
    fn go(&self, next: &mut Playground, target: usize) {
        let target = target.min(self.last());
        if self.predict.on && target > self.predict.seen {
            let t = &self.doc.trace;
            if let Some(k) = (self.predict.seen + 1..=target).find(|&k| !self.predict.answers.contains_key(&k) && predict::answer_of(t, k).is_some()) {
                next.cursor = k - 1;
                next.predict.pending = Some(k);
                next.predict.seen = k - 1;
                next.playing = false;
                return;
            }
        }
        next.cursor = target;
        next.predict.pending = None;
        next.predict.seen = self.predict.seen.max(target);
    }

    /// Opens a fragment: a link or built-in different from what is shown replaces it
    /// (own work kept); the same scenario just moves to the step.
    fn navigate(&self, at: &Location, record: bool) -> Playground {
        let mut next = self.clone();
        let step = at.step0();
        let same = |next: &mut Playground| {
            if let Some(s) = step {
                next.cursor = s.min(self.last());
                next.predict.pending = None;
                next.predict.seen = next.predict.seen.max(next.cursor);
            }
        };
        if let Some(link) = &at.link {
            match crate::share::decode_text(link) {
                Ok(text) if self.doc.shows(&text) => same(&mut next),
                Ok(text) => {
                    next = self.replace(Doc::from_text(&text, None), step.unwrap_or(0));
                    if !record {
                        next.undo = self.undo.clone();
                    }
                }
                Err(e) => next.notice = Some(Notice::text(format!("This link could not be opened: {e}"))),
            }
        } else if let Some(id) = &at.id {
            match scenarios::find(id) {
                Some(_) if self.doc.builtin.as_deref() == Some(id.as_str()) => same(&mut next),
                Some(b) => {
                    next = self.replace(Doc::builtin(b), step.unwrap_or(0));
                    if !record {
                        next.undo = self.undo.clone();
                    }
                }
                None => next.notice = Some(Notice::text(format!("There is no built-in scenario called '{id}'."))),
            }
        } else {
            same(&mut next);
        }
        next
    }

    /// The state after `msg`, or `None` when nothing changes (the UI then skips a render).
    pub fn update(&self, msg: Msg) -> Option<Playground> {
        let last = self.last();
        let mut next = self.clone();
        match msg {
            Msg::Seek(i) => self.go(&mut next, i),
            Msg::Next => {
                if self.predict.pending.is_some() {
                    return None;
                }
                self.go(&mut next, self.cursor + 1);
            }
            Msg::Prev => {
                next.cursor = self.cursor.saturating_sub(1);
                next.predict.pending = None;
            }
            Msg::First => {
                next.cursor = 0;
                next.predict.pending = None;
            }
            Msg::Last => self.go(&mut next, last),
            Msg::TogglePlay => {
                next.playing = !self.playing;
                if next.playing && self.cursor >= last {
                    next.cursor = 0;
                }
            }
            Msg::Tick => {
                if !self.playing {
                    return None;
                }
                self.go(&mut next, self.cursor + 1);
                if next.predict.pending.is_none() {
                    next.playing = next.cursor < last;
                }
            }
            Msg::Speed(s) => next.speed = s.min(SPEEDS.len() - 1),
            Msg::Text(t) => {
                if self.doc.text_if_known() == Some(t.as_str()) {
                    return None;
                }
                next = self.with_doc(Rc::new(Doc::from_text(&t, Some(&self.doc))), true, None);
            }
            Msg::Import(t) => {
                next = self.replace(Doc::from_text(&t, Some(&self.doc)), 0);
                next.tab = Tab::Edit;
                next.side = true;
            }
            Msg::Live { text, first } => {
                if self.doc.text_if_known() == Some(text.as_str()) {
                    return None;
                }
                let doc = Doc::from_text(&text, Some(&self.doc));
                next = if first { self.replace(doc, 0) } else { self.with_doc(Rc::new(doc), false, None) };
                next.cursor = next.last();
                next.predict.seen = next.cursor;
            }
            Msg::Edit(e) => {
                let sc = e.apply(&self.doc.scenario)?;
                next = self.with_doc(Rc::new(Doc::from_scenario(sc, Some(&self.doc))), true, e.script_shift());
                if let Edit::SendToken { after, jwt } = &e {
                    // Straight to the server's answer to the edited token.
                    if let Some(k) = answer_to_sent_token(&next.doc.trace, after + 1, jwt.trim()) {
                        next.cursor = k;
                        next.predict.seen = next.predict.seen.max(k);
                        next.tab = Tab::Inspector;
                    }
                }
            }
            Msg::Open(id) => match scenarios::find(&id) {
                Some(b) => {
                    next = self.replace(Doc::builtin(b), 0);
                    next.tab = Tab::Inspector;
                }
                None => next.notice = Some(Notice::text(format!("There is no built-in scenario called '{id}'."))),
            },
            Msg::OpenAt(id, step) => match scenarios::find(&id) {
                Some(b) => {
                    next = if self.doc.builtin.as_deref() == Some(&*id) { self.clone() } else { self.replace(Doc::builtin(b), 0) };
                    next.cursor = step.saturating_sub(1).min(next.last());
                    next.predict.pending = None;
                    next.predict.seen = next.predict.seen.max(next.cursor);
                    next.tab = Tab::Inspector;
                }
                None => next.notice = Some(Notice::text(format!("There is no built-in scenario called '{id}'."))),
            },
            Msg::Navigate(at) => next = self.navigate(&at, true),
            Msg::Restore(i) => {
                let r = self.recent.get(i)?.clone();
                let mut rest = (*self.recent).clone();
                rest.remove(i);
                let mut base = self.clone();
                base.recent = Rc::new(rest);
                next = base.replace(Doc::from_text(&r.text, None), r.step);
                next.notice = None;
            }
            Msg::Undo => {
                let mut u = (*self.undo).clone();
                let doc = u.pop()?;
                let mut r = (*self.redo).clone();
                r.push(self.doc.clone());
                next = self.with_doc(doc, false, None);
                next.undo = Rc::new(u);
                next.redo = Rc::new(r);
            }
            Msg::Redo => {
                let mut r = (*self.redo).clone();
                let doc = r.pop()?;
                let mut u = (*self.undo).clone();
                u.push(self.doc.clone());
                next = self.with_doc(doc, false, None);
                next.undo = Rc::new(u);
                next.redo = Rc::new(r);
            }
            Msg::Tab(t) => {
                next.tab = t;
                next.side = true;
            }
            Msg::ToggleSide => next.side = !self.side,
            Msg::Zoom(z) => next.zoom = z,
            Msg::Theme(t) => next.theme = t,
            Msg::Notice(n) => next.notice = n,
            Msg::TogglePredict => {
                next.predict = Predict { on: !self.predict.on, seen: self.cursor, ..Predict::default() };
                next.playing = false;
            }
            Msg::Predict(choice) => {
                let i = self.predict.pending?;
                let right = predict::answer_of(&self.doc.trace, i) == Some(choice);
                let mut a = (*self.predict.answers).clone();
                a.insert(i, Predicted { chosen: choice, right });
                next.predict.answers = Rc::new(a);
                next.predict.pending = None;
                next.predict.seen = self.predict.seen.max(i);
                next.cursor = i;
            }
        }
        next.started |= next.cursor != self.cursor || next.playing;
        (next != *self).then_some(next)
    }
}

/// The step at which the server answers the call of script action `action` that sent
/// exactly `jwt`: the app's note showing the token, its request, then the reply from the
/// request's receiver. `None` if that call never reached a server.
pub fn answer_to_sent_token(trace: &Trace, action: usize, jwt: &str) -> Option<usize> {
    let steps = &trace.steps;
    let note = steps.iter().position(|s| s.action == action && s.jwt.as_deref() == Some(jwt))?;
    let sender = steps[note].from;
    let request = (note + 1..steps.len()).take_while(|&i| steps[i].action == action).find(|&i| steps[i].from == sender && steps[i].to != sender)?;
    let (server, from) = (steps[request].to, steps[request].from);
    (request + 1..steps.len()).take_while(|&i| steps[i].action == action).find(|&i| steps[i].from == server && steps[i].to == from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv() -> Playground {
        Playground::new(Doc::builtin(scenarios::find("vm-keyvault").unwrap()), 0)
    }

    fn run(p: &Playground, msgs: impl IntoIterator<Item = Msg>) -> Playground {
        msgs.into_iter().fold(p.clone(), |p, m| p.update(m).unwrap_or(p))
    }

    fn label(p: &Playground) -> &str {
        &p.doc.trace.steps[p.cursor].label
    }

    #[test]
    fn stepping_stays_inside_the_trace() {
        let p = kv();
        let n = p.doc.trace.steps.len();
        assert_eq!(p.update(Msg::Prev), None, "already at the first step: nothing changes");
        let p = run(&p, [Msg::Next, Msg::Next]);
        assert_eq!(p.cursor, 2);
        assert!(p.started);
        let p = run(&p, [Msg::Last, Msg::Next]);
        assert_eq!(p.cursor, n - 1);
        assert_eq!(run(&p, [Msg::Seek(1000)]).cursor, n - 1);
        assert_eq!(run(&p, [Msg::First]).cursor, 0);
        // Playback runs to the end and stops; playing from the end starts over.
        let mut q = run(&p, [Msg::TogglePlay]);
        assert_eq!((q.cursor, q.playing), (0, true));
        for _ in 0..n + 3 {
            q = run(&q, [Msg::Tick]);
        }
        assert_eq!((q.cursor, q.playing), (n - 1, false));
        assert_eq!(q.update(Msg::Tick), None, "a tick while paused changes nothing");
    }

    #[test]
    fn an_edited_token_goes_to_its_server_and_the_learner_lands_on_the_answer() {
        // The JWT view of step 17 (the token Key Vault accepted): change one byte of the payload.
        let p = run(&kv(), [Msg::Seek(15)]);
        let sent = &p.doc.trace.steps[p.cursor];
        let jwt = sent.jwt.clone().unwrap();
        let mut parts: Vec<&str> = jwt.split('.').collect();
        let payload = format!("{}A", &parts[1][..parts[1].len() - 1]);
        parts[1] = &payload;
        let edited = parts.join(".");
        let e = run(&p, [Msg::Edit(Edit::SendToken { after: sent.action, jwt: edited.clone() })]);
        assert_eq!(e.tab, Tab::Inspector);
        let answer = &e.doc.trace.steps[e.cursor];
        assert_eq!(answer.action, sent.action + 1);
        assert_eq!(answer.outcome, crate::model::Outcome::Failure);
        assert!(matches!(&answer.message, crate::model::Message::Response(r) if r.status == 401));
        assert_eq!(answer_to_sent_token(&e.doc.trace, sent.action + 1, &edited), Some(e.cursor));
        assert_eq!(answer_to_sent_token(&e.doc.trace, sent.action, &edited), None, "the original call sent other bytes");
        // Undo brings the scenario back.
        assert_eq!(run(&e, [Msg::Undo]).doc.scenario, p.doc.scenario);
    }

    #[test]
    fn edits_keep_the_learners_place() {
        let p = run(&kv(), [Msg::Seek(16)]);
        assert_eq!(label(&p), "200 secret value");
        // An edit of the world that changes nothing before: the same step.
        let e = run(&p, [Msg::Edit(Edit::SetVaultRbac { vault: "kv-contoso".into(), rbac: true })]);
        assert_eq!(e.update(Msg::Edit(Edit::SetVaultRbac { vault: "kv-contoso".into(), rbac: true })), None, "a no-op edit is not a new document");
        let e = run(&p, [Msg::Edit(Edit::SetCredential { host: "vm-web".into(), credential: crate::model::scenario::Credential::DefaultAzureCredential })]);
        assert_eq!(e.doc.trace.steps[e.cursor].action, 3, "still on the secret read");
        // Removing a script step before the learner's place: still on the same action.
        let before = p.doc.trace.steps[p.cursor].action;
        let r = run(&p, [Msg::Edit(Edit::RemoveStep { step: 2 })]);
        assert_eq!(r.doc.trace.steps[r.cursor].action, before - 1);
        // (Without the wait the role has not propagated: Key Vault's answer is now a 403.)
        assert_eq!(r.doc.trace.steps[r.cursor].label, "403 ForbiddenByRbac");
        // Inserting a wait before it: likewise.
        let w = run(&p, [Msg::Edit(Edit::InsertWait { before: 0, duration: "1h".into() })]);
        assert_eq!(w.doc.trace.steps[w.cursor].action, before + 1);
        // Editing the JSON text keeps the index when the action still exists.
        let t = run(&p, [Msg::Text(p.doc.text().replace("db-password", "db-pass"))]);
        assert_eq!(t.cursor, 16);
        assert!(!t.doc.is_own_work() || t.doc.builtin.is_none());
    }

    #[test]
    fn a_live_session_is_followed_at_its_last_step_without_filling_undo() {
        let p = kv();
        let text = p.doc.text().to_string();
        let first = run(&p, [Msg::Live { text: text.replace("db-password", "db-pass"), first: true }]);
        assert_eq!(first.cursor, first.last());
        let undo = first.undo.len();
        let later = run(&first, [Msg::Live { text: text.replace("db-password", "db-pw"), first: false }]);
        assert_eq!(later.cursor, later.last());
        assert_eq!(later.undo.len(), undo, "a live update is not an edit to undo");
        assert!(later.update(Msg::Live { text: later.doc.text().to_string(), first: false }).is_none());
    }

    #[test]
    fn undo_and_redo_walk_the_documents() {
        let p = kv();
        assert_eq!(p.update(Msg::Undo), None);
        let a = run(&p, [Msg::Edit(Edit::RemoveStep { step: 1 })]);
        let b = run(&a, [Msg::Edit(Edit::SetDuration { step: 1, duration: "1h".into() })]);
        assert_eq!(b.undo.len(), 2);
        let u = run(&b, [Msg::Undo]);
        assert!(Rc::ptr_eq(&u.doc, &a.doc));
        let u = run(&u, [Msg::Undo]);
        assert!(Rc::ptr_eq(&u.doc, &p.doc));
        assert_eq!(u.redo.len(), 2);
        assert_eq!(u.update(Msg::Undo), None);
        let r = run(&u, [Msg::Redo, Msg::Redo]);
        assert!(Rc::ptr_eq(&r.doc, &b.doc));
        // A new edit after undo drops the redo stack.
        let n = run(&u, [Msg::Redo, Msg::Edit(Edit::SetVaultRbac { vault: "kv-contoso".into(), rbac: false })]);
        assert!(n.redo.is_empty());
    }

    #[test]
    fn predict_mode_stops_before_decisive_steps_hides_the_future_and_scores() {
        let p = run(&kv(), [Msg::Seek(9), Msg::TogglePredict]);
        assert_eq!(p.hidden_from(), Some(10));
        // Step 11 (index 10) is Key Vault's challenge: the player holds before it.
        let q = run(&p, [Msg::Next]);
        assert_eq!((q.cursor, q.predict.pending), (9, Some(10)));
        assert_eq!(q.update(Msg::Next), None, "Next waits for the prediction");
        let choices = predict::choices(&q.doc.trace, 10).unwrap();
        assert!(choices.contains(&Answer::Ok) && choices.contains(&Answer::Unauthenticated) && choices.contains(&Answer::Forbidden));
        let wrong = run(&q, [Msg::Predict(Answer::Ok)]);
        assert_eq!(wrong.cursor, 10);
        assert_eq!(wrong.predict.score(), (0, 1));
        assert_eq!(wrong.hidden_from(), Some(11));
        // Seeking far ahead stops at the next decisive step (IMDS's answer).
        let s = run(&wrong, [Msg::Last]);
        let k = s.predict.pending.unwrap();
        assert_eq!(s.cursor, k - 1);
        assert_eq!(predict::answer_of(&s.doc.trace, k), Some(Answer::Ok));
        let right = run(&s, [Msg::Predict(Answer::Ok)]);
        assert_eq!(right.predict.score(), (1, 2));
        assert!(right.predict.answers[&k].right);
        // Going back and forth over revealed steps asks nothing again.
        let back = run(&right, [Msg::First, Msg::Seek(k)]);
        assert_eq!((back.cursor, back.predict.pending), (k, None));
        // Off: nothing hidden.
        assert_eq!(run(&back, [Msg::TogglePredict]).hidden_from(), None);
    }

    #[test]
    fn predictions_are_graded_on_the_status_not_the_label() {
        let t = &kv().doc.trace;
        let decisive: Vec<(usize, Answer)> = (0..t.steps.len()).filter_map(|i| predict::answer_of(t, i).map(|a| (i, a))).collect();
        // The 403? None in the success path; a 401 challenge, IMDS 200, Entra-free (internal), Key Vault 200.
        assert!(decisive.iter().any(|(_, a)| *a == Answer::Unauthenticated));
        assert!(decisive.iter().filter(|(_, a)| *a == Answer::Ok).count() >= 2);
        for (i, a) in decisive {
            assert!(predict::choices(t, i).unwrap().contains(&a), "the right answer is always offered");
        }
        // Choices read alike: no choice is much longer than the others.
        let texts: Vec<usize> = [Answer::Ok, Answer::BadRequest, Answer::Unauthenticated, Answer::Forbidden, Answer::Throttled].iter().map(|a| a.text(crate::model::ParticipantKind::ResourceServer).chars().count()).collect();
        assert!(texts.iter().max().unwrap() - texts.iter().min().unwrap() <= 10, "{texts:?}");
    }

    #[test]
    fn a_link_never_silently_replaces_own_work() {
        let kv = scenarios::find("vm-keyvault").unwrap();
        let mine = kv.json.replace("A VM reads a Key Vault secret with its system-assigned identity", "My own flow");
        let saved = Saved { text: mine.clone(), builtin: None, step: 4, name: Some("My own flow".into()) };
        let p = Playground::start(&Location::parse("#scenario=arc-challenge&step=3"), Some(saved.clone()), None, vec![]);
        assert_eq!(p.doc.builtin.as_deref(), Some("arc-challenge"));
        assert_eq!(p.cursor, 2);
        assert_eq!(p.recent.len(), 1);
        assert_eq!((&*p.recent[0].name, &*p.recent[0].text, p.recent[0].step), ("My own flow", mine.as_str(), 4));
        let notice = p.notice.clone().unwrap();
        assert_eq!(notice.restore, Some(0));
        assert!(notice.text.contains("My own flow"));
        // Restoring brings it back at its step, and keeps nothing twice.
        let r = run(&p, [Msg::Restore(0)]);
        assert_eq!(r.doc.scenario.name, "My own flow");
        assert_eq!(r.cursor, 4);
        assert!(r.recent.is_empty(), "the built-in it replaced is not own work");
        // A link to the very scenario saved (a second window on the same work) keeps nothing.
        let same = Playground::start(&Location::parse(&crate::share::fragment(&crate::model::Scenario::from_json(&mine).unwrap(), 2)), Some(saved.clone()), None, vec![]);
        assert_eq!((same.recent.len(), same.notice.is_none(), same.cursor), (0, true, 1));
        // Without a link, saved work opens as it was.
        let s = Playground::start(&Location::default(), Some(saved), None, vec![]);
        assert_eq!((s.doc.scenario.name.as_str(), s.cursor, s.notice.is_none()), ("My own flow", 4, true));
        // Opening a built-in over own work keeps it too; the recent list has a bounded size.
        let mut q = s.clone();
        for i in 0..RECENT_SLOTS + 2 {
            q = run(&q, [Msg::Text(mine.replace("My own flow", &format!("Flow {i}"))), Msg::Open("vm-keyvault".into())]);
        }
        assert_eq!(q.recent.len(), RECENT_SLOTS);
        assert_eq!(&*q.recent[0].name, format!("Flow {}", RECENT_SLOTS + 1));
    }

    #[test]
    fn hashchange_navigates() {
        let p = kv();
        let s = run(&p, [Msg::Navigate(Location::parse("#scenario=vm-keyvault&step=9"))]);
        assert_eq!((s.cursor, s.undo.len()), (8, 0), "same scenario: just the step");
        let o = run(&s, [Msg::Navigate(Location::parse("#scenario=token-caching&step=2"))]);
        assert_eq!((o.doc.builtin.as_deref(), o.cursor), (Some("token-caching"), 1));
        let step_only = run(&o, [Msg::Navigate(Location::parse("#step=5"))]);
        assert_eq!(step_only.cursor, 4);
        // A link to an edited scenario opens it; a broken one says why and keeps the page.
        let edited = crate::model::Scenario::from_json(&p.doc.text().replace("A VM reads", "Linked: a VM reads")).unwrap();
        let l = run(&step_only, [Msg::Navigate(Location::parse(&crate::share::fragment(&edited, 3)))]);
        assert!(l.doc.scenario.name.starts_with("Linked"));
        assert_eq!(l.cursor, 2);
        let bad = run(&l, [Msg::Navigate(Location::parse("#s=1.AAAA&step=2"))]);
        assert!(Rc::ptr_eq(&bad.doc, &l.doc));
        assert!(bad.notice.unwrap().text.starts_with("This link could not be opened"));
        // The linked (own) scenario went to recent work when the built-in replaced it? No:
        // it replaced a built-in, so nothing to keep; the edited one is kept when replaced.
        let again = run(&l, [Msg::Navigate(Location::parse("#scenario=vm-keyvault"))]);
        assert_eq!(again.recent.len(), 1);
    }

    #[test]
    fn a_link_whose_role_assignment_the_run_makes_impossible_opens_with_a_skipped_step() {
        let text = scenarios::find("vm-keyvault").unwrap().json.replace(r#"{ "principalId": "alice", "roleDefinitionId": "Owner", "scope": "contoso-dev" }"#, "");
        let sc = crate::model::Scenario::from_json(&text).unwrap();
        let p = Playground::start(&Location::parse(&crate::share::fragment(&sc, 3)), None, None, vec![]);
        assert!(p.notice.is_none(), "{:?}", p.notice);
        assert!(p.doc.diagnostics.is_empty(), "{:?}", p.doc.diagnostics);
        assert!(p.doc.trace.steps.iter().any(|s| s.outcome == crate::model::Outcome::Skipped));
    }

    #[test]
    fn the_token_check_is_computed_once_per_trace() {
        let p = kv();
        let i = p.doc.trace.steps.iter().position(|s| s.jwt.is_some()).unwrap();
        let a = p.doc.token_check(i).unwrap();
        let b = p.doc.token_check(i).unwrap();
        assert!(Rc::ptr_eq(&a, &b));
        assert!(a.ok(), "{:?}", a.checks);
        assert!(p.doc.token_check(0).is_none());
    }
}
