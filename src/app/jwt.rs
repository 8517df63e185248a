//! The JWT view: header / payload / signature colour-coded, a claims table with a
//! plain-language explanation of each claim and human-readable times relative to the
//! virtual clock, and the signature checked against the demo tenant's JWKS (the check is
//! made once per trace by the player: [`crate::player::doc::verify_token`]).

use crate::model::{time::human_duration, token, verify, SimTime};
use serde_json::Value;
use std::rc::Rc;
use yew::prelude::*;

/// Props of [`JwtView`].
#[derive(Properties, PartialEq)]
pub struct JwtProps {
    /// The compact JWT.
    pub jwt: String,
    /// The virtual time of the step showing it (times are shown relative to it).
    pub now: SimTime,
    /// The token's verification, as a resource server would make it at `now`.
    pub check: Rc<verify::TokenValidation>,
    /// The server an edited copy would be sent to (e.g. `Key Vault kv-contoso`), if a
    /// resource call in the run sends this token ([`crate::model::edit::resend_target`]).
    #[prop_or_default]
    pub resend_to: Option<AttrValue>,
    /// Sends the edited compact JWT there.
    #[prop_or_default]
    pub on_resend: Callback<String>,
}

/// The compact JWT with its payload replaced by `text` (compacted when it is JSON; the
/// original segment when the text is unchanged), header and signature kept.
/// `Err` with the JSON error when the text is not a JSON object.
fn with_edited_payload(jwt: &str, original: &str, text: &str) -> Result<String, String> {
    let mut segs: Vec<String> = jwt.split('.').map(str::to_string).collect();
    if segs.len() != 3 {
        return Err("This is not a compact JWT of three segments.".into());
    }
    if text.trim() != original.trim() {
        let v: Value = serde_json::from_str(text).map_err(|e| format!("The payload is not JSON: {e}."))?;
        if !v.is_object() {
            return Err("The payload must be a JSON object.".into());
        }
        segs[1] = token::b64url(v.to_string().as_bytes());
    }
    Ok(segs.join("."))
}

/// Claims holding epoch seconds.
const TIME_CLAIMS: [&str; 4] = ["iat", "nbf", "exp", "xms_tcdt"];
/// 9999-12-31T23:59:59Z: later "times" are shown as plain numbers.
const MAX_TIME: u64 = 253_402_300_799;

/// One line of plain language per known claim (facts: fact sheet §5.2).
fn meaning(claim: &str) -> &'static str {
    match claim {
        "aud" => "Audience: the resource the token was requested for. A resource server refuses tokens addressed to anyone else.",
        "iss" => "Issuer: who minted and signed the token. Entra v1 tokens say https://sts.windows.net/<tenant id>/.",
        "iat" => "Issued at. Entra back-dates it by about 5 minutes, so a token issued just now reads \"5m ago\".",
        "nbf" => "Not before: the token is not accepted earlier than this (the same back-dated time as iat).",
        "exp" => "Expires: not accepted after this. Managed-identity tokens live about 24 h 5 min.",
        "aio" => "Opaque value Entra uses internally; applications should ignore it.",
        "appid" => "Client id of the application that asked for the token; for a managed identity, its client id.",
        "appidacr" => "How that client proved who it is; \"2\" means a certificate, which is how managed identities sign in.",
        "groups" => "Object ids of the groups the principal is in, copied when the token was issued: membership changes show only in a new token.",
        "idp" => "Identity provider that authenticated the principal; the same as iss for these tokens.",
        "idtyp" => "Kind of token: \"app\" for an application acting as itself (a managed identity), \"user\" for a signed-in user.",
        "oid" => "Object id of the principal in the tenant; Azure role assignments are matched against it.",
        "rh" => "Opaque value Entra uses internally; applications should ignore it.",
        "roles" => "App roles the principal has been granted on the target API.",
        "scp" => "Delegated permissions (scopes) the user's app may use; present in user tokens only.",
        "sub" => "Subject: the principal the token is about. In an app-only token it equals oid.",
        "tid" => "Tenant (directory) id that issued the token.",
        "upn" => "Sign-in name of the user; present in user tokens only.",
        "uti" => "Unique id of this token (like jti); opaque.",
        "ver" => "Token format version, \"1.0\" or \"2.0\"; the resource's settings choose it, not the caller.",
        "xms_mirid" => "Azure resource id of the managed identity: the host resource (VM, app…) for a system-assigned one, the identity resource for a user-assigned one.",
        "xms_tcdt" => "When the tenant was created.",
        _ => "(not explained)",
    }
}

/// `2026-01-16 09:05:00 UTC — in 24h 5m` (or `… — 5m ago`, `… — now`).
fn when(epoch: u64, now: SimTime) -> Option<String> {
    if epoch > MAX_TIME {
        return None;
    }
    let iso = SimTime(epoch).iso();
    let utc = format!("{} UTC", iso.trim_end_matches('Z').replacen('T', " ", 1));
    let diff = i64::try_from(i128::from(epoch) - i128::from(now.epoch())).unwrap_or(if epoch > now.epoch() { i64::MAX } else { i64::MIN + 1 });
    let rel = match diff {
        0 => "now".to_string(),
        d if d > 0 => format!("in {}", human_duration(d)),
        d => format!("{} ago", human_duration(-d)),
    };
    Some(format!("{utc} — {rel}"))
}

/// `24h 5m`: a token lifetime in hours and minutes.
fn hours(secs: u64) -> String {
    if secs.is_multiple_of(60) { format!("{}h {}m", secs / 3600, secs / 60 % 60) } else { format!("{}h {}m {}s", secs / 3600, secs / 60 % 60, secs % 60) }
}

fn pretty(json: &str) -> String {
    crate::model::http::pretty_json(json).unwrap_or_else(|| json.to_string())
}

/// A claim value as text: strings as they are, lists of strings joined, the rest as JSON.
fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) if !a.is_empty() && a.iter().all(Value::is_string) => a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

fn is_entra_issuer(iss: &str) -> bool {
    iss.starts_with("https://sts.windows.net/") || iss.starts_with("https://login.microsoftonline.com/")
}

/// What kind of token this is, from its claims.
fn kind(claims: &Value) -> &'static str {
    let s = |k: &str| claims.get(k).and_then(Value::as_str);
    if claims.get("kubernetes.io").is_some() || s("sub").is_some_and(|x| x.starts_with("system:serviceaccount:")) {
        "Kubernetes service-account token"
    } else if s("idtyp") == Some("user") || s("upn").is_some() || s("scp").is_some() {
        "User (delegated) access token"
    } else if s("xms_mirid").is_some() {
        "Managed-identity access token (app-only)"
    } else if s("idtyp") == Some("app") {
        "App-only access token"
    } else {
        "JSON Web Token"
    }
}

/// The JWT view component.
#[function_component(JwtView)]
pub fn jwt_view(p: &JwtProps) -> Html {
    let jwt = p.jwt.trim();
    let segs: Vec<&str> = jwt.split('.').collect();
    let compact = if segs.len() == 3 {
        html! {
            <code class="jwtv-compact">
                <span class="jwtv-h" title="header">{ segs[0] }</span>{ "." }
                <span class="jwtv-p" title="payload">{ segs[1] }</span>{ "." }
                <span class="jwtv-s" title="signature">{ segs[2] }</span>
            </code>
        }
    } else {
        html! { <code class="jwtv-compact">{ jwt }</code> }
    };
    let parts = token::decode_parts(jwt);
    let claims: Option<Value> = parts.as_ref().and_then(|(_, c, _)| serde_json::from_str::<Value>(c).ok()).filter(Value::is_object);
    let claim = |k: &str| claims.as_ref().and_then(|c| c.get(k));
    let iss = claim("iss").and_then(Value::as_str).unwrap_or("");
    let v = &*p.check;
    let key_found = !matches!(v.rejection(), Some(verify::Rejection::UnknownKey { .. } | verify::Rejection::Malformed { .. }));
    let foreign = !key_found && v.kid.is_some() && !iss.is_empty() && !is_entra_issuer(iss);
    let (verdict_class, verdict) = if v.ok() {
        ("jwtv-verdict jwtv-ok", "Accepted: signature, issuer and lifetime check out. The resource server still compares aud with its own identifier, then decides what this principal may do.".to_string())
    } else if foreign {
        ("jwtv-verdict jwtv-other", format!("Not an Entra token: it was issued by {iss}, which publishes its own signing keys, so the tenant's JWKS cannot verify it. Entra checks it against that issuer's keys when the token is exchanged (workload identity federation)."))
    } else {
        ("jwtv-verdict jwtv-fail", "Rejected: a resource server would refuse this token with 401 Unauthorized.".to_string())
    };

    // A just-issued Entra token: iat and nbf lie ~5 minutes before the step (fact sheet
    // §5.3: exp − iat is 24 h 5 min while a fresh expires_in is about 24 h [inferred]).
    let backdated = match claim("iat").and_then(Value::as_u64) {
        Some(iat) if is_entra_issuer(iss) => (1..=600).contains(&p.now.epoch().saturating_sub(iat)),
        _ => false,
    };
    let rows = claims.as_ref().and_then(Value::as_object).map(|obj| {
        obj.iter()
            .map(|(k, val)| {
                let time = if TIME_CLAIMS.contains(&k.as_str()) { val.as_u64().and_then(|t| when(t, p.now)) } else { None };
                html! {
                    <tr>
                        <th scope="row"><code>{ k }</code></th>
                        <td class="jwtv-val">
                            <code>{ value_text(val) }</code>
                            if let Some(t) = time { <span class="jwtv-time">{ t }</span> }
                            if backdated && (k == "iat" || k == "nbf") { <span class="jwtv-backdated">{ "back-dated: see the note below" }</span> }
                        </td>
                        <td class="jwtv-meaning">{ meaning(k) }</td>
                    </tr>
                }
            })
            .collect::<Html>()
    });
    let lifetime = match (claim("iat").and_then(Value::as_u64), claim("exp").and_then(Value::as_u64)) {
        (Some(i), Some(e)) if e >= i => Some(format!("Lifetime (exp − iat): {} ({} s).", hours(e - i), e - i)),
        _ => None,
    };
    let title = claims.as_ref().map(kind).unwrap_or("Token");
    let original = parts.as_ref().map(|(_, pl, _)| pretty(pl)).unwrap_or_default();
    let editing = use_state(|| None::<String>);
    let problem = use_state(|| None::<String>);
    let editor = p.resend_to.as_ref().filter(|_| parts.is_some()).map(|server| {
        match (*editing).clone() {
            None => html! {
                <p class="jwtv-edit-intro">
                    <button type="button" id="jwt-edit" onclick={{ let e = editing.clone(); let o = original.clone(); Callback::from(move |_| e.set(Some(o.clone()))) }}>{ "Edit this token" }</button>
                    { format!(" Change a claim and send it to {server}, as the code would: the server checks it like any other token.") }
                </p>
            },
            Some(text) => {
                let oninput = { let e = editing.clone(); let pr = problem.clone(); Callback::from(move |ev: InputEvent| {
                    let t: web_sys::HtmlTextAreaElement = ev.target_unchecked_into();
                    pr.set(None);
                    e.set(Some(t.value()));
                }) };
                let onsend = { let pr = problem.clone(); let jwt = jwt.to_string(); let o = original.clone(); let t = text.clone(); let cb = p.on_resend.clone(); let e = editing.clone();
                    Callback::from(move |_| match with_edited_payload(&jwt, &o, &t) {
                        Ok(edited) => { e.set(None); cb.emit(edited) }
                        Err(msg) => pr.set(Some(msg)),
                    }) };
                html! {
                    <div class="jwtv-edit">
                        <label for="jwt-edit-payload">{ "Payload (header and signature stay as Entra ID made them)" }</label>
                        <textarea id="jwt-edit-payload" class="jwtv-json jwtv-json-p" spellcheck="false" rows="12" value={text} {oninput} />
                        if let Some(msg) = &*problem { <p class="jwtv-edit-problem" role="alert">{ msg }</p> }
                        <p>
                            <button type="button" id="jwt-send" class="primary" onclick={onsend}>{ format!("Send to {server}") }</button>
                            { " " }
                            <button type="button" id="jwt-edit-cancel" onclick={{ let e = editing.clone(); Callback::from(move |_| e.set(None)) }}>{ "Cancel" }</button>
                        </p>
                        <p class="jwtv-note">{ "Sending adds a copy of that call to the script, right after it, with exactly these bytes (undo removes it). The signature covers the header and the payload byte for byte: change anything and the signature check fails." }</p>
                    </div>
                }
            }
        }
    });

    html! {
        <section class="jwt-view">
            <h3>{ title }</h3>
            <p class="jwtv-demo" role="note">
                <strong>{ "Demo key. " }</strong>
                { format!("The tenant signing key (kid {}) is a public demo key committed with this playground: anyone can mint tokens with it, so it protects nothing. Real Entra signing keys are private; only their public halves appear in the JWKS.", token::KID) }
            </p>

            <h4>{ "Compact form" }</h4>
            <p class="jwtv-legend">
                <span class="jwtv-h">{ "header" }</span>{ " . " }
                <span class="jwtv-p">{ "payload" }</span>{ " . " }
                <span class="jwtv-s">{ "signature" }</span>
                { " — each base64url-encoded, joined by dots" }
            </p>
            <p class="jwtv-token">{ compact }</p>

            <h4>{ "Verification (as a resource server does it)" }</h4>
            <ul class="jwtv-checks">
                { for v.checks.iter().map(|c| html! { <li class={if c.ok { "jwtv-ok" } else { "jwtv-fail" }}>{ c.line() }</li> }) }
            </ul>
            <p class={verdict_class}>{ verdict }</p>
            { for editor }

            if let Some((h, pl, _)) = &parts {
                <h4 class="jwtv-h">{ "Header" }</h4>
                <pre class="jwtv-json jwtv-json-h">{ pretty(h) }</pre>
                <h4 class="jwtv-p">{ "Payload" }</h4>
                <pre class="jwtv-json jwtv-json-p">{ pretty(pl) }</pre>
            } else {
                <p class="jwtv-note">{ "The header and payload cannot be decoded: this is not a compact JWT of three base64url segments." }</p>
            }

            if let Some(rows) = rows {
                <h4>{ "Claims" }</h4>
                <div class="jwtv-scroll">
                    <table class="jwtv-claims">
                        <caption>{ format!("Times are UTC, relative to the step's virtual time {}.", p.now.iso()) }</caption>
                        <thead>
                            <tr>
                                <th scope="col">{ "Claim" }</th>
                                <th scope="col">{ "Value" }</th>
                                <th scope="col">{ "Meaning" }</th>
                            </tr>
                        </thead>
                        <tbody>{ rows }</tbody>
                    </table>
                </div>
                if let Some(l) = lifetime { <p class="jwtv-note">{ l }</p> }
                if backdated {
                    <p class="jwtv-note jwtv-backdate" id="jwt-backdate">
                        <strong>{ "Why iat is in the past. " }</strong>
                        { "Entra ID back-dates iat and nbf by about 5 minutes when it issues a token, so a resource server whose clock runs a little behind still accepts it at once. That is also why exp − iat is 24 h 5 min while the token endpoint said expires_in ≈ 24 h. (Inferred from captured tokens; Microsoft does not document it.)" }
                    </p>
                }
            }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc_and_relative() {
        let now = SimTime(1_768_467_600); // 2026-01-15T09:00:00Z
        assert_eq!(when(1_768_467_600 + 86_400, now).unwrap(), "2026-01-16 09:00:00 UTC — in 1d");
        assert_eq!(when(1_768_467_600 - 300, now).unwrap(), "2026-01-15 08:55:00 UTC — 5m ago");
        assert_eq!(when(1_768_467_600, now).unwrap(), "2026-01-15 09:00:00 UTC — now");
        assert!(when(u64::MAX, now).is_none());
        assert!(when(MAX_TIME, SimTime(0)).is_some() && when(0, SimTime(u64::MAX)).is_some());
        assert_eq!(hours(86_700), "24h 5m");
    }

    #[test]
    fn an_edited_payload_keeps_header_and_signature() {
        let jwt = format!("h.{}.s", token::b64url(br#"{"oid":"a","exp":1}"#));
        let original = pretty(r#"{"oid":"a","exp":1}"#);
        assert_eq!(with_edited_payload(&jwt, &original, &format!("{original}\n")).unwrap(), jwt, "unchanged text: the same bytes");
        let edited = with_edited_payload(&jwt, &original, "{ \"oid\": \"b\", \"exp\": 1 }").unwrap();
        assert_eq!(edited, format!("h.{}.s", token::b64url(br#"{"oid":"b","exp":1}"#)));
        assert!(with_edited_payload(&jwt, &original, "{ oid").unwrap_err().starts_with("The payload is not JSON"));
        assert!(with_edited_payload(&jwt, &original, "[1]").is_err());
        assert!(with_edited_payload("a.b", "", "{}").is_err());
    }

    #[test]
    fn claims_are_explained_and_tokens_classified() {
        for c in ["aud", "iss", "iat", "nbf", "exp", "aio", "appid", "appidacr", "groups", "idp", "idtyp", "oid", "rh", "roles", "scp", "sub", "tid", "upn", "uti", "ver", "xms_mirid", "xms_tcdt"] {
            assert_ne!(meaning(c), "(not explained)", "{c}");
        }
        assert_eq!(meaning("kubernetes.io"), "(not explained)");
        let k8s = serde_json::json!({"aud": ["api://AzureADTokenExchange"], "sub": "system:serviceaccount:ns:sa", "kubernetes.io": {}});
        assert_eq!(kind(&k8s), "Kubernetes service-account token");
        assert_eq!(value_text(&k8s["aud"]), "api://AzureADTokenExchange");
        assert_eq!(value_text(&k8s["kubernetes.io"]), "{}");
        assert_eq!(kind(&serde_json::json!({"idtyp": "user", "upn": "a@b"})), "User (delegated) access token");
        assert_eq!(kind(&serde_json::json!({"idtyp": "app", "xms_mirid": "/x"})), "Managed-identity access token (app-only)");
    }
}
