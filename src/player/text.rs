//! Text helpers for the views: plain functions, tested natively.

/// ARM ids in `text` shortened to what tells them apart: `/subscriptions/<id>/resourceGroups/rg-app/providers/Microsoft.KeyVault/vaults/kv-contoso`
/// becomes `…/rg-app/…/kv-contoso`, a subscription `/subscriptions/feab4720…`. `None` when
/// there is nothing to shorten.
pub fn abbreviate_scopes(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut changed = false;
    while let Some(i) = rest.find("/subscriptions/") {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let end = tail.find(|c: char| c.is_whitespace() || matches!(c, '\'' | '"' | ',' | ')' | '`')).unwrap_or(tail.len());
        let (id, after) = tail[..end].strip_suffix('.').map(|t| (t, ".")).unwrap_or((&tail[..end], ""));
        let segs: Vec<&str> = id.trim_matches('/').split('/').collect();
        let rg = segs.iter().position(|s| s.eq_ignore_ascii_case("resourceGroups")).and_then(|k| segs.get(k + 1));
        let provider = segs.iter().position(|s| s.eq_ignore_ascii_case("providers"));
        let short = match (rg, provider) {
            // providers/<namespace>/<type>/<name>[/<child type>/<child name>…]
            (Some(rg), Some(k)) if segs.len() > k + 3 => format!("…/{rg}/…/{}", segs[k + 3..].join("/")),
            (Some(rg), _) => format!("…/{rg}"),
            (None, _) => match segs.get(1) {
                Some(sub) if segs.len() == 2 => format!("/subscriptions/{}…", sub.get(..8).unwrap_or(sub)),
                _ => id.to_string(),
            },
        };
        changed |= short != id;
        out.push_str(&short);
        out.push_str(after);
        rest = &tail[end..];
    }
    out.push_str(rest);
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::abbreviate_scopes;

    #[test]
    fn scopes_are_abbreviated_to_what_tells_them_apart() {
        let sub = "/subscriptions/feab4720-c8b6-49e9-bd85-2ee7eaf0dc3f";
        assert_eq!(abbreviate_scopes(&format!("at scope '{sub}/resourceGroups/rg-app/providers/Microsoft.KeyVault/vaults/kv-contoso'.")).unwrap(), "at scope '…/rg-app/…/kv-contoso'.");
        assert_eq!(abbreviate_scopes(&format!("{sub}/resourceGroups/rg-app → {sub} → /.")).unwrap(), "…/rg-app → /subscriptions/feab4720… → /.");
        assert_eq!(abbreviate_scopes(&format!("{sub}/resourceGroups/rg-app/providers/Microsoft.KeyVault/vaults/kv/secrets/api-key.")).unwrap(), "…/rg-app/…/kv/secrets/api-key.");
        assert_eq!(abbreviate_scopes("nothing to shorten"), None);
    }
}

/// `text` broken at spaces into at most `max_lines` lines of at most `width` characters;
/// what does not fit ends in `…` (a word longer than a line is cut).
pub fn wrap(text: &str, width: usize, max_lines: usize) -> Vec<String> {
    let width = width.max(4);
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let w = word.chars().count();
        let need = if cur.is_empty() { w } else { cur.chars().count() + 1 + w };
        if need <= width {
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(word);
            continue;
        }
        if !cur.is_empty() {
            lines.push(std::mem::take(&mut cur));
        }
        cur = if w > width { word.chars().take(width - 1).collect::<String>() + "…" } else { word.to_string() };
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        let last = lines.last_mut().expect("max_lines > 0");
        let keep: String = last.chars().take(width.saturating_sub(1)).collect();
        *last = keep.trim_end().to_string() + "…";
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

#[cfg(test)]
mod wrap_tests {
    use super::wrap;

    #[test]
    fn notes_wrap_at_spaces_and_end_in_an_ellipsis_only_when_cut() {
        assert_eq!(wrap("one two three", 7, 3), ["one two", "three"]);
        assert_eq!(wrap("one two three four", 7, 2), ["one two", "three…"]);
        assert_eq!(wrap("abcdefghij", 5, 2), ["abcd…"]);
        assert_eq!(wrap("", 5, 2), [""]);
        assert!(wrap(&"word ".repeat(100), 30, 4).iter().all(|l| l.chars().count() <= 30));
    }
}
