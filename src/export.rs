//! Exports of a trace that need no browser: a Markdown transcript, Mermaid
//! `sequenceDiagram` source. Shared by the command-line tool and the UI.

use crate::model::trace::ChangeOp;
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
        s.push_str(&format!("## {}. {} → {}: {}{}\n\n", i + 1, md_escape(from), md_escape(to), md_escape(&st.label), outcome_mark(st.outcome)));
        s.push_str(&format!("*{}* · {} · {} · {}\n\n", st.fidelity.label(), if st.plane == Plane::Control { "control plane" } else { "runtime" }, md_escape(&st.source), st.time.iso()));
        s.push_str(&format!("{}\n\n", md_escape(&st.explanation)));
        let wire = (!matches!(st.message, Message::Note { .. })).then(|| st.message.wire_text());
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
            let op = match c.op {
                ChangeOp::Added => "Added",
                ChangeOp::Updated => "Updated",
                ChangeOp::Removed => "Removed",
            };
            s.push_str(&format!("- *{op}* {}: {}\n", md_escape(&c.area), md_escape(&c.what)));
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

/// How a step's outcome is marked in text exports, as in the transcript: a failure with ✗,
/// an expected challenge (Key Vault's first 401 to an SDK, Arc's Basic-realm 401) with
/// "(expected)" so it does not read as a failure, normal progress with nothing.
fn outcome_mark(o: Outcome) -> &'static str {
    match o {
        Outcome::Ok => "",
        Outcome::Expected => " (expected)",
        Outcome::Failure => " ✗",
        Outcome::Skipped => " (skipped)",
    }
}

/// Mermaid `sequenceDiagram` source of the trace, numbered as the transcript is: every
/// step is a message (a step a participant takes on its own is a self-message), except
/// the author's narration, which is a note across the diagram carrying its number in its
/// text, followed by `autonumber N` so the next message is numbered N again. Failures are
/// drawn `-x`; expected challenges are ordinary arrows marked "(expected)".
pub fn mermaid(t: &Trace) -> String {
    use crate::model::Fidelity;
    let mut s = String::from("sequenceDiagram\n    autonumber\n");
    for (i, p) in t.participants.iter().enumerate() {
        s.push_str(&format!("    participant P{i} as {}\n", mermaid_text(&p.label)));
    }
    let last = t.participants.len().saturating_sub(1);
    let mut resync = false;
    for (k, st) in t.steps.iter().enumerate() {
        let n = k + 1;
        let label = mermaid_text(&st.label);
        if st.fidelity == Fidelity::Narration {
            let over = if last == 0 { "P0".to_string() } else { format!("P0,P{last}") };
            s.push_str(&format!("    Note over {over}: {n}. {label}\n"));
            resync = true;
            continue;
        }
        if resync {
            s.push_str(&format!("    autonumber {n}\n"));
            resync = false;
        }
        let arrow = match (st.outcome, matches!(st.message, Message::Internal { .. })) {
            (Outcome::Failure, _) => "-x",
            (_, true) => "-->>",
            _ => "->>",
        };
        s.push_str(&format!("    P{}{arrow}P{}: {label}{}\n", st.from, st.to, if st.outcome == Outcome::Expected { " (expected)" } else { "" }));
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

/// XML/HTML text escaping.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// A self-contained SVG of the sequence diagram. Colours are presentation attributes, not
/// CSS, so the file renders anywhere, even under a Content-Security-Policy that forbids
/// inline styles.
pub fn svg(t: &Trace) -> String {
    use crate::model::Fidelity;
    // Whole pixels (and one half): integer formatting keeps the float printer out of the bundle.
    const COL: i64 = 180;
    const ROW: i64 = 46;
    const LEFT: i64 = 100;
    const TOP: i64 = 64;
    let n = t.participants.len().max(1);
    let width = LEFT * 2 + COL * (n as i64 - 1);
    let height = TOP + ROW * t.steps.len() as i64 + ROW / 2;
    let x = |i: usize| LEFT + COL * i as i64;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"system-ui, sans-serif\" font-size=\"12.5\" role=\"img\" aria-label=\"Sequence diagram\">\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n<defs><marker id=\"h\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0 0L10 5L0 10z\" fill=\"#1b1f24\"/></marker><marker id=\"hf\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0 0L10 5L0 10z\" fill=\"#b42318\"/></marker><marker id=\"hc\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0 0L10 5L0 10z\" fill=\"#6f42c1\"/></marker></defs>\n"
    );
    for (i, p) in t.participants.iter().enumerate() {
        s.push_str(&format!(
            "<line x1=\"{0}\" y1=\"50\" x2=\"{0}\" y2=\"{height}\" stroke=\"#c9d1d9\" stroke-dasharray=\"4 4\"/><rect x=\"{1}\" y=\"8\" width=\"164\" height=\"40\" rx=\"6\" fill=\"#f4f6f8\" stroke=\"#8c959f\"/><text x=\"{0}\" y=\"33\" text-anchor=\"middle\" font-weight=\"600\" fill=\"#1b1f24\">{2}</text>\n",
            x(i),
            x(i) - 82,
            escape(&p.label)
        ));
    }
    for (k, st) in t.steps.iter().enumerate() {
        let y = TOP + ROW * k as i64 + ROW / 2;
        let fail = st.outcome == Outcome::Failure;
        let control = st.plane == Plane::Control;
        let colour = if fail { "#b42318" } else if control { "#6f42c1" } else { "#1b1f24" };
        let marker = if fail { "hf" } else if control { "hc" } else { "h" };
        let dash = if st.fidelity == Fidelity::Conceptual { " stroke-dasharray=\"6 4\"" } else { "" };
        let label = escape(&format!("{}{}", st.label, if st.outcome == Outcome::Expected { " (expected)" } else { "" }));
        let (x1, x2) = (x(st.from), x(st.to));
        if st.fidelity == Fidelity::Narration {
            s.push_str(&format!("<rect x=\"8\" y=\"{}\" width=\"{}\" height=\"30\" rx=\"6\" fill=\"#f4f6f8\" stroke=\"#4d5560\" stroke-dasharray=\"3 3\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-style=\"italic\" fill=\"#1b1f24\">{label}</text>\n", y - 15, width - 16, width / 2, y + 4));
        } else if st.from == st.to {
            s.push_str(&format!("<path d=\"M {x1} {} h 34 v 18 h -30\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.6\"{dash} marker-end=\"url(#{marker})\"/><text x=\"{}\" y=\"{}\" fill=\"{colour}\">{label}</text>\n", y - 9, x1 + 42, y + 4));
        } else {
            let dir = if x2 > x1 { 1 } else { -1 };
            s.push_str(&format!(
                "<line x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"{colour}\" stroke-width=\"1.6\"{dash} marker-end=\"url(#{marker})\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{colour}\"{}>{label}</text>\n",
                x1 + 4 * dir,
                x2 - 6 * dir,
                (x1 + x2) / 2,
                y - 7,
                if fail { " font-weight=\"600\"" } else { "" }
            ));
        }
        let nx = if st.fidelity == Fidelity::Narration { 24 } else if st.from == st.to { x1 - 16 } else if x2 > x1 { x1 + 14 } else { x1 - 14 };
        s.push_str(&format!("<circle cx=\"{nx}\" cy=\"{}\" r=\"9\" fill=\"{colour}\"/><text x=\"{nx}\" y=\"{}.5\" text-anchor=\"middle\" font-size=\"10\" font-weight=\"700\" fill=\"#ffffff\">{}</text>\n", y + 10, y + 13, k + 1));
    }
    s.push_str("</svg>\n");
    s
}

/// A self-contained HTML page (no script, no style sheet, no WebAssembly): the diagram as
/// SVG and the full step transcript. The fallback for sites whose security policy blocks
/// WebAssembly.
pub fn html_page(sc: &Scenario, t: &Trace) -> String {
    let mut s = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{0}</title>\n</head>\n<body>\n<h1>{0}</h1>\n",
        escape(&sc.name)
    );
    if !sc.description.is_empty() {
        s.push_str(&format!("<p>{}</p>\n", escape(&sc.description)));
    }
    if !sc.learning_goal.is_empty() {
        s.push_str(&format!("<p><strong>Learning goal:</strong> {}</p>\n", escape(&sc.learning_goal)));
    }
    s.push_str("<figure>\n");
    s.push_str(&svg(t));
    s.push_str("<figcaption>Produced by the Managed Identity Playground (deterministic model; demo tenant key).</figcaption>\n</figure>\n<h2>Transcript</h2>\n<ol>\n");
    for st in &t.steps {
        let wire = st.message.wire_text();
        s.push_str(&format!(
            "<li><h3>{} → {}: {}{}</h3>\n<p><em>{}</em> · {} · {}</p>\n<p>{}</p>\n<pre>{}</pre>\n",
            escape(&t.participants[st.from].label),
            escape(&t.participants[st.to].label),
            escape(&st.label),
            outcome_mark(st.outcome),
            st.fidelity_label(),
            escape(&st.source),
            st.time.iso(),
            escape(&st.explanation),
            escape(&wire)
        ));
        if let Some(d) = &st.decision {
            s.push_str(&format!("<p><strong>{}:</strong> {}</p>\n<ul>\n", if d.allowed { "Allowed" } else { "Denied" }, escape(&d.summary)));
            for r in &d.reasons {
                s.push_str(&format!("<li>{}</li>\n", escape(r)));
            }
            s.push_str("</ul>\n");
            if let Some(f) = &d.fix {
                s.push_str(&format!("<p><strong>Fix:</strong> {}</p>\n", escape(f)));
            }
        }
        s.push_str("</li>\n");
    }
    s.push_str("</ol>\n</body>\n</html>\n");
    s
}
