//! Exports of a trace that need no browser: a Markdown transcript, Mermaid
//! `sequenceDiagram` source. Shared by the command-line tool and the UI.

use crate::model::trace::abbreviate_jwts;
use crate::model::{Message, Outcome, Plane, Scenario, Trace};

/// A Markdown transcript: every step with its request or response, explanation, fidelity
/// and decision.
pub fn markdown(sc: &Scenario, t: &Trace) -> String {
    let mut s = format!("# {}\n\n", md_escape(&sc.name));
    if !sc.description.is_empty() {
        s.push_str(&format!("{}\n\n", md_escape(&sc.description)));
    }
    if !sc.learning_goal.is_empty() {
        s.push_str(&format!("**Learning goal:** {}\n\n", md_escape(&sc.learning_goal)));
    }
    s.push_str(&format!("Participants: {}\n\n", t.participants.iter().map(|p| md_escape(&p.label)).collect::<Vec<_>>().join(" · ")));
    for (i, st) in t.steps.iter().enumerate() {
        let from = &t.participants[st.from].label;
        let to = &t.participants[st.to].label;
        let fail = if st.outcome == Outcome::Failure { " ✗" } else { "" };
        s.push_str(&format!("## {}. {} → {}: {}{fail}\n\n", i + 1, md_escape(from), md_escape(to), md_escape(&st.label)));
        s.push_str(&format!("*{}* · {} · {} · {}\n\n", st.fidelity.label(), if st.plane == Plane::Control { "control plane" } else { "runtime" }, md_escape(&st.source), st.time.iso()));
        s.push_str(&format!("{}\n\n", md_escape(&st.explanation)));
        let wire = match &st.message {
            Message::Request(r) => Some(abbreviate_jwts(&r.to_wire())),
            Message::Response(r) => Some(abbreviate_jwts(&r.to_wire())),
            Message::Internal { summary, detail } => Some(if detail.is_empty() { summary.clone() } else { format!("{summary}\n\n{detail}") }),
            Message::Note { .. } => None,
        };
        if let Some(w) = wire {
            s.push_str(&format!("```http\n{}\n```\n\n", w.replace("```", "ʼʼʼ")));
        }
        if let Some(d) = &st.decision {
            s.push_str(&format!("**{}:** {}\n\n", if d.allowed { "Allowed" } else { "Denied" }, md_escape(&d.summary)));
            for r in &d.reasons {
                s.push_str(&format!("- {}\n", md_escape(r)));
            }
            if let Some(f) = &d.fix {
                s.push_str(&format!("\n**Fix:** {}\n", md_escape(f)));
            }
            s.push('\n');
        }
        for c in &st.changes {
            s.push_str(&format!("- *{:?}* {}: {}\n", c.op, md_escape(&c.area), md_escape(&c.what)));
        }
        if !st.changes.is_empty() {
            s.push('\n');
        }
    }
    s
}

/// Escapes Markdown and HTML in text, keeping `code spans` (they render as code, and
/// renderers escape their contents themselves).
fn md_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    let balanced = s.matches('`').count().is_multiple_of(2);
    let mut in_code = false;
    for c in s.chars() {
        match c {
            '`' if balanced => {
                in_code = !in_code;
                o.push(c);
            }
            '\n' if in_code => o.push(' '),
            _ if in_code => o.push(c),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '*' | '_' | '`' | '[' | ']' | '#' | '|' => {
                o.push('\\');
                o.push(c);
            }
            _ => o.push(c),
        }
    }
    o
}

/// Mermaid `sequenceDiagram` source of the trace.
pub fn mermaid(t: &Trace) -> String {
    let mut s = String::from("sequenceDiagram\n    autonumber\n");
    for (i, p) in t.participants.iter().enumerate() {
        s.push_str(&format!("    participant P{i} as {}\n", mermaid_text(&p.label)));
    }
    for st in &t.steps {
        let label = mermaid_text(&st.label);
        if st.from == st.to {
            s.push_str(&format!("    Note over P{}: {label}\n", st.from));
            continue;
        }
        let arrow = match (st.outcome, matches!(st.message, Message::Internal { .. })) {
            (Outcome::Failure, _) => "-x",
            (_, true) => "-->>",
            _ => "->>",
        };
        s.push_str(&format!("    P{}{arrow}P{}: {label}\n", st.from, st.to));
    }
    s
}

/// Text safe inside a Mermaid message or participant alias (no `;`, `#`, `:` or newlines,
/// which Mermaid would read as syntax).
fn mermaid_text(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            ';' => ',',
            '#' => '№',
            ':' => '∶',
            '\n' | '\r' => ' ',
            '<' => '‹',
            '>' => '›',
            c => c,
        })
        .collect()
}
