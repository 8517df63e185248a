//! Predict mode's questions: what a decisive step will answer, derived from typed data
//! only — the response's status, the answering participant's kind and the step's plane —
//! never from a label or an explanation.
//!
//! [`answer_of`] is the one function that says what a step answered; the choices offered
//! and the grading both go through it (when steps carry a richer typed outcome, only it
//! changes).

use crate::model::{Message, ParticipantKind, Plane, Trace};

/// An answer a learner can predict: the class of response a service gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Answer {
    /// 2xx: a token, the secret, the blob…
    Ok,
    /// 400 (and other 4xx the others do not cover): the request itself is refused.
    BadRequest,
    /// 401: no token the service accepts (including a challenge to an SDK's first call).
    Unauthenticated,
    /// 403: the token is fine, the principal may not do this.
    Forbidden,
    /// 404: no such endpoint or item.
    NotFound,
    /// 429: throttled.
    Throttled,
    /// 5xx or 410: the service is unavailable.
    Unavailable,
}

impl Answer {
    /// The class of an HTTP status code.
    pub fn from_status(status: u16) -> Answer {
        match status {
            200..=299 => Answer::Ok,
            401 => Answer::Unauthenticated,
            403 => Answer::Forbidden,
            404 => Answer::NotFound,
            429 => Answer::Throttled,
            410 | 500..=599 => Answer::Unavailable,
            _ => Answer::BadRequest,
        }
    }

    /// A stable name for the answer (a test hook: `data-answer`).
    pub fn key(self) -> &'static str {
        match self {
            Answer::Ok => "Ok",
            Answer::BadRequest => "BadRequest",
            Answer::Unauthenticated => "Unauthenticated",
            Answer::Forbidden => "Forbidden",
            Answer::NotFound => "NotFound",
            Answer::Throttled => "Throttled",
            Answer::Unavailable => "Unavailable",
        }
    }

    /// The choice as the learner reads it. Every choice has the same shape (status, then
    /// a short reason) and about the same length, so none gives itself away.
    pub fn text(self, kind: ParticipantKind) -> &'static str {
        let token = matches!(kind, ParticipantKind::TokenEndpoint | ParticipantKind::Entra);
        match self {
            Answer::Ok if token => "200 OK: it issues an access token",
            Answer::Ok => "200 OK: it returns what was asked",
            Answer::BadRequest => "400 Bad Request: the call is refused",
            Answer::Unauthenticated => "401 Unauthorized: no token it accepts",
            Answer::Forbidden => "403 Forbidden: token valid, access denied",
            Answer::NotFound => "404 Not Found: nothing at that address",
            Answer::Throttled => "429 Too Many Requests: throttled",
            Answer::Unavailable => "503 / 410: the service is unavailable",
        }
    }
}

/// What step `i` answered, when it is decisive: a response from a token endpoint, Entra
/// ID, a resource server or ARM (control-plane successes are bookkeeping, not decisive).
pub fn answer_of(t: &Trace, i: usize) -> Option<Answer> {
    let s = t.steps.get(i)?;
    let Message::Response(r) = &s.message else { return None };
    let kind = t.participants.get(s.from)?.kind;
    if !matches!(kind, ParticipantKind::TokenEndpoint | ParticipantKind::Entra | ParticipantKind::ResourceServer | ParticipantKind::Arm) {
        return None;
    }
    if s.plane == Plane::Control && r.status < 400 {
        return None;
    }
    Some(Answer::from_status(r.status))
}

/// Who answers step `i` (the sender of the response).
pub fn answerer(t: &Trace, i: usize) -> Option<ParticipantKind> {
    t.steps.get(i).and_then(|s| t.participants.get(s.from)).map(|p| p.kind)
}

/// The choices offered before decisive step `i`, in status order: what that kind of
/// service commonly answers, plus the real answer if it is not among them. `None` for a
/// step that is not decisive.
pub fn choices(t: &Trace, i: usize) -> Option<Vec<Answer>> {
    let actual = answer_of(t, i)?;
    use Answer::*;
    let pool: &[Answer] = match answerer(t, i)? {
        ParticipantKind::TokenEndpoint => &[Ok, BadRequest, Unauthenticated, Throttled],
        ParticipantKind::Entra => &[Ok, BadRequest, Unauthenticated],
        _ => &[Ok, Unauthenticated, Forbidden],
    };
    let mut out = pool.to_vec();
    if !out.contains(&actual) {
        out.push(actual);
        out.sort();
    }
    Some(out)
}
