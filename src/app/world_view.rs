//! The world view: directory, ARM resources and identity blocks, role assignments,
//! Key Vault access policies, caches, certificates and the virtual clock, with what the
//! current step changed highlighted.
//!
//! A pure function of its props: the view at the cursor is diffed by `key` against the
//! previous one (the view of the step before, or the initial view). New entries get
//! class `added`, modified ones `changed`, and entries that are gone are still listed,
//! struck through, with class `removed`. Everything from the scenario is a text node.

use crate::model::time::{human_duration, SimTime};
use crate::model::trace::ChangeOp;
use crate::model::view::{AssignmentView, CacheView, Capped, CertView, DenyView, FaultView, GroupView, LaptopView, PolicyView, ResourceView, ScopeView, SpView, UamiView, UserView, WorldView};
use crate::model::Trace;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use yew::prelude::*;
use yew::virtual_dom::VText;

/// Props of [`WorldPanel`].
#[derive(Properties, PartialEq)]
pub struct WorldProps {
    /// The state before the first step.
    pub initial: Rc<WorldView>,
    /// The state after each step (`views[i]` belongs to `trace.steps[i]`).
    pub views: Rc<Vec<WorldView>>,
    /// The trace (for the current step's changes).
    pub trace: Rc<Trace>,
    /// The current step.
    pub cursor: usize,
}

/// `2026-01-15 09:05` (the seconds only when they are not zero).
fn t(s: SimTime) -> String {
    let iso = s.iso();
    let end = if iso.ends_with(":00Z") { 16 } else { 19 };
    iso[..end].replacen('T', " ", 1)
}

/// Entries of diffed lists have a stable key.
trait Keyed {
    fn key(&self) -> &str;
}

macro_rules! keyed {
    ($($t:ty),*) => { $(impl Keyed for $t { fn key(&self) -> &str { &self.key } })* };
}
keyed!(SpView, UserView, GroupView, ResourceView, UamiView, LaptopView, AssignmentView, DenyView, PolicyView, CacheView, CertView, FaultView);

impl<T: Keyed> Keyed for &T {
    fn key(&self) -> &str {
        (*self).key()
    }
}

/// Lists `cur` against `prev` by key: `added` / `changed` marks and removed entries
/// struck through at the end. `add`/`del` say whether additions/removals can be told
/// apart from entries sliding in or out of a capped list. (A thin generic layer over
/// [`pair`] and [`rows`], which do the work once for every type.)
fn diff<T: PartialEq + Keyed>(cur: &[T], prev: &[T], add: bool, del: bool, item: &dyn Fn(&T) -> Html) -> Vec<Html> {
    let ck: Vec<&str> = cur.iter().map(Keyed::key).collect();
    let pk: Vec<&str> = prev.iter().map(Keyed::key).collect();
    let (matches, removed) = pair(&ck, &pk, del);
    let marked = cur.iter().zip(matches).map(|(x, m)| (m.map_or(add, |j| prev[j] != *x), m.is_none(), item(x))).collect();
    rows(marked, removed.into_iter().map(|j| item(&prev[j])).collect())
}

/// For each current key, its index in `pk`; and the indexes of the keys that are gone.
fn pair(ck: &[&str], pk: &[&str], del: bool) -> (Vec<Option<usize>>, Vec<usize>) {
    let before: HashMap<&str, usize> = pk.iter().enumerate().map(|(i, k)| (*k, i)).collect();
    let matches = ck.iter().map(|k| before.get(k).copied()).collect();
    let removed = if del {
        let now: HashSet<&str> = ck.iter().copied().collect();
        (0..pk.len()).filter(|&j| !now.contains(pk[j])).collect()
    } else {
        Vec::new()
    };
    (matches, removed)
}

/// `<li>`s: (marked?, new?, content) for current entries, then the removed ones.
fn rows(marked: Vec<(bool, bool, Html)>, removed: Vec<Html>) -> Vec<Html> {
    let mut out: Vec<Html> = marked
        .into_iter()
        .map(|(m, new, body)| match (m, new) {
            (true, true) => el("li", "added", [el("span", "tag", txt("new")), body].into_iter().collect()),
            (true, false) => el("li", "changed", [el("span", "tag", txt("changed")), body].into_iter().collect()),
            _ => el("li", "", body),
        })
        .collect();
    out.extend(removed.into_iter().map(|body| el("li", "removed", [el("span", "tag", txt("removed")), el("del", "", body)].into_iter().collect())));
    out
}

/// A capped list diffed against the previous one, with a "… N more" line where entries
/// were left out.
fn list<T: PartialEq + Keyed>(cur: &Capped<T>, prev: &Capped<T>, item: &dyn Fn(&T) -> Html) -> Html {
    let exact = !cur.truncated() && !prev.truncated();
    let items = diff(&cur.items, &prev.items, exact || cur.total > prev.total, exact || cur.total < prev.total, item);
    wrap(items, cur.truncated().then(|| (cur.split, cur.omitted())))
}

fn wrap(mut items: Vec<Html>, gap: Option<(usize, usize)>) -> Html {
    if items.is_empty() {
        return el("p", "wv-none", txt("None."));
    }
    if let Some((at, n)) = gap {
        items.insert(at.min(items.len()), el("li", "more", txt(format!("… {n} more not shown"))));
    }
    el("ul", "wv-list", items.into_iter().collect())
}

/// `+1` / `−1` next to a count that changed.
fn delta(cur: usize, prev: usize) -> Html {
    if cur == prev {
        return Html::default();
    }
    let (class, text) = if cur > prev { ("delta up", format!("+{}", cur - prev)) } else { ("delta down", format!("−{}", prev - cur)) };
    html! { <span class={class} title="change made by this step">{ text }</span> }
}

/// A "changed" mark for a section summary.
fn mark(changed: bool) -> Html {
    if changed {
        html! { <span class="tag changed-mark">{ "changed" }</span> }
    } else {
        Html::default()
    }
}

fn section(title: &str, summary: Html, open: bool, body: Html) -> Html {
    html! {
        <details class="wv-section" open={open}>
            <summary><span class="wv-title">{ title.to_string() }</span>{ summary }</summary>
            { body }
        </details>
    }
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn short_type(arm_type: &str) -> &str {
    arm_type.rsplit('/').next().unwrap_or(arm_type)
}

fn id(s: &str) -> Html {
    el("code", "id", txt(s.to_string()))
}

/// A text node.
fn txt(s: impl Into<AttrValue>) -> Html {
    Html::VText(VText::new(s))
}

/// An element with an optional class. One shared constructor keeps the bundle small.
fn el(tag: &'static str, class: &'static str, children: Html) -> Html {
    html! { <@{tag} class={(!class.is_empty()).then_some(class)}>{ children }</@> }
}

/// `<dt>k</dt><dd>v</dd>`.
fn kv(k: &'static str, v: Html) -> Html {
    [el("dt", "", txt(k)), el("dd", "", v)].into_iter().collect()
}

fn name_line(name: &str, kind: &str, rg: &str) -> Html {
    let mut out = vec![el("strong", "", txt(name.to_string()))];
    if !kind.is_empty() {
        out.push(el("span", "kind", txt(format!(" {kind}"))));
    }
    if !rg.is_empty() {
        out.push(el("span", "muted", txt(format!(" · {rg}"))));
    }
    out.into_iter().collect()
}

fn join_or(v: &[String], none: &'static str) -> Html {
    if v.is_empty() {
        txt(none)
    } else {
        txt(v.join(", "))
    }
}

fn sp_item(s: &SpView) -> Html {
    let alt: Html = s.alternative_names.iter().map(|a| el("code", "id alt", txt(a.clone()))).collect();
    [
        name_line(&s.display_name, if s.user_assigned { "user-assigned" } else { "system-assigned" }, ""),
        el("dl", "wv-kv", [kv("objectId", id(&s.object_id)), kv("appId", id(&s.app_id)), kv("alternativeNames", alt)].into_iter().collect()),
    ]
    .into_iter()
    .collect()
}

fn user_item(u: &UserView) -> Html {
    [name_line(&u.name, "", ""), txt(" "), id(&u.object_id)].into_iter().collect()
}

fn group_item(g: &GroupView) -> Html {
    let mut members = format!("members: {}", if g.members.items.is_empty() { "none".to_string() } else { g.members.items.join(", ") });
    if g.members.truncated() {
        members += &format!(" … ({} in all)", g.members.total);
    }
    [name_line(&g.name, "", ""), txt(" "), id(&g.object_id), el("div", "members", txt(members))].into_iter().collect()
}

fn res_item(r: &ResourceView) -> Html {
    let mut rows = vec![kv("identity.type", el("code", "", txt(r.identity_type)))];
    if let Some(tenant) = &r.tenant_id {
        rows.push(kv("tenant", id(tenant)));
    }
    if let Some(pid) = &r.principal_id {
        rows.push(kv("principalId", id(pid)));
    }
    if !r.user_assigned.is_empty() {
        let uas: Html = r.user_assigned.iter().map(|u| el("span", if u.dangling { "ua dangling" } else { "ua" }, txt(if u.dangling { format!("{} (deleted)", u.name) } else { u.name.clone() }))).collect();
        rows.push(kv("userAssignedIdentities", uas));
    }
    if let Some(app) = &r.app {
        rows.push(kv("code", txt(app.clone())));
    }
    if let Some(h) = r.identity_header_since {
        rows.push(kv("IDENTITY_HEADER", txt(format!("set {}", t(h)))));
    }
    if !r.containers.is_empty() {
        rows.push(kv("containers", r.containers.iter().map(|c| el("div", "", txt(format!("{}: {}", c.name, if c.blobs.is_empty() { "(empty)".to_string() } else { c.blobs.join(", ") })))).collect()));
    }
    [name_line(&r.name, short_type(r.arm_type), &r.resource_group), el("dl", "wv-kv", rows.into_iter().collect())].into_iter().collect()
}

fn uami_item(u: &UamiView) -> Html {
    let mut rows = vec![kv("principalId", id(&u.principal_id)), kv("clientId", id(&u.client_id)), kv("attached to", join_or(&u.attached_to, "nothing"))];
    if !u.federated.is_empty() {
        rows.push(kv("federated credentials", u.federated.iter().map(|f| el("div", "", txt(f.clone()))).collect()));
    }
    [name_line(&u.name, "", &u.resource_group), el("dl", "wv-kv", rows.into_iter().collect())].into_iter().collect()
}

fn laptop_item(l: &LaptopView) -> Html {
    let mut rows = vec![kv("az login", txt(l.az_cli_user.clone().unwrap_or_else(|| "signed out".into())))];
    if let Some(app) = &l.app {
        rows.push(kv("code", txt(app.clone())));
    }
    let what = if l.cloud_shell.is_some() { "Azure Cloud Shell session" } else { "laptop (outside Azure)" };
    [name_line(&l.name, what, ""), el("dl", "wv-kv", rows.into_iter().collect())].into_iter().collect()
}

fn ra_item(a: &AssignmentView) -> Html {
    let mut out = vec![el("strong", "", txt(a.role.clone())), txt(format!(" → {}", a.principal)), el("span", "muted", txt(format!(" ({})", a.principal_type)))];
    if a.pending {
        out.push(txt(" "));
        out.push(el("span", "pending", txt(format!("propagating until {}", t(a.effective_at)))));
    }
    el("span", if a.orphaned { "orphaned" } else { "" }, out.into_iter().collect())
}

fn deny_item(d: &DenyView) -> Html {
    let mut out = vec![el("strong", "", txt(d.name.clone())), txt(" at "), id(&d.scope), el("div", "", txt(format!("denies {} to {}", d.actions.join(", "), d.principals.join(", "))))];
    if !d.excluded.is_empty() {
        out.push(el("div", "muted", txt(format!("except {}", d.excluded.join(", ")))));
    }
    if !d.child_scopes {
        out.push(el("div", "muted", txt("this scope only")));
    }
    out.into_iter().collect()
}

fn policy_item(a: &PolicyView) -> Html {
    txt(format!("{}: {}", a.principal, if a.secrets.is_empty() { "no secret permissions".to_string() } else { a.secrets.join(", ") }))
}

fn fault_item(f: &FaultView) -> Html {
    [el("strong", "", txt(f.kind.clone())), txt(format!(" on {} until {}", f.target, t(f.until)))].into_iter().collect()
}

/// A count in a section summary, with its +n/−n badge and a "changed" mark when the
/// count is the same but the entries differ.
fn summary(text: String, cur: usize, prev: usize, changed: bool) -> Html {
    el("span", "wv-count", [txt(text), delta(cur, prev), mark(cur == prev && changed)].into_iter().collect())
}

/// The world view component.
#[function_component(WorldPanel)]
pub fn world_panel(p: &WorldProps) -> Html {
    let (cur, prev, step) = match p.views.len() {
        0 => (&*p.initial, &*p.initial, None),
        n => {
            let i = p.cursor.min(n - 1);
            (&p.views[i], if i == 0 { &*p.initial } else { &p.views[i - 1] }, p.trace.steps.get(i).map(|s| (i, s)))
        }
    };
    let now = cur.now;

    let changes = match step {
        Some((i, s)) => {
            let body = if s.changes.is_empty() {
                el("p", "wv-none", txt("Nothing in the world's state (a message, a check or a read)."))
            } else {
                let items: Html = s
                    .changes
                    .iter()
                    .map(|c| {
                        let (class, sign) = match c.op {
                            ChangeOp::Added => ("added", "+"),
                            ChangeOp::Updated => ("changed", "~"),
                            ChangeOp::Removed => ("removed", "−"),
                        };
                        el("li", class, [html! { <span class="op" aria-hidden="true">{ sign }</span> }, el("span", "area", txt(c.area.clone())), txt(format!(" {}", c.what))].into_iter().collect())
                    })
                    .collect();
                el("ul", "", items)
            };
            el("div", "wv-changes", [el("h3", "", txt(format!("What step {} changed", i + 1))), body].into_iter().collect())
        }
        None => el("p", "wv-none", txt("No steps: this is the world the scenario starts with.")),
    };

    let sub = |title: &'static str, show: bool, body: Html| -> Html {
        if show {
            [el("h4", "", txt(title)), body].into_iter().collect()
        } else {
            Html::default()
        }
    };

    // Directory.
    let directory = section(
        "Directory",
        summary(count(cur.mi_count, "managed-identity service principal", "managed-identity service principals"), cur.mi_count, prev.mi_count, cur.service_principals != prev.service_principals || cur.users != prev.users || cur.groups != prev.groups),
        true,
        [
            el("p", "wv-meta", [txt("Tenant "), id(&cur.tenant_id), txt(format!(" · {}", cur.domain))].into_iter().collect()),
            sub("Managed-identity service principals", true, list(&cur.service_principals, &prev.service_principals, &sp_item)),
            sub("Users", !(cur.users.items.is_empty() && prev.users.items.is_empty()), list(&cur.users, &prev.users, &user_item)),
            sub("Groups", !(cur.groups.items.is_empty() && prev.groups.items.is_empty()), list(&cur.groups, &prev.groups, &group_item)),
        ]
        .into_iter()
        .collect(),
    );

    // Resources and identity blocks.
    let resources = section(
        "Resources & identity",
        summary(count(cur.resources.total, "resource", "resources"), cur.resources.total, prev.resources.total, cur.resources != prev.resources || cur.user_assigned != prev.user_assigned || cur.laptops != prev.laptops),
        true,
        [
            list(&cur.resources, &prev.resources, &res_item),
            sub("User-assigned identities", !(cur.user_assigned.items.is_empty() && prev.user_assigned.items.is_empty()), list(&cur.user_assigned, &prev.user_assigned, &uami_item)),
            sub("Developer laptops", !(cur.laptops.items.is_empty() && prev.laptops.items.is_empty()), list(&cur.laptops, &prev.laptops, &laptop_item)),
        ]
        .into_iter()
        .collect(),
    );

    // Role assignments by scope.
    let shown = |v: &WorldView| v.role_assignments.iter().map(|s| s.assignments.len()).sum::<usize>();
    let ra_truncated = cur.assignment_count > shown(cur) || prev.assignment_count > shown(prev);
    let (ra_add, ra_del) = (!ra_truncated || cur.assignment_count > prev.assignment_count, !ra_truncated || cur.assignment_count < prev.assignment_count);
    let empty: Vec<AssignmentView> = Vec::new();
    let scope_block = |s: &ScopeView, items: Vec<Html>| {
        let head = html! { <h4 title={s.scope.clone()}><span class="muted">{ "scope " }</span>{ id(&s.scope) }</h4> };
        el("div", "wv-scope", [head, el("ul", "wv-list", items.into_iter().collect())].into_iter().collect())
    };
    let prev_scopes: HashMap<&str, &ScopeView> = prev.role_assignments.iter().map(|s| (s.key.as_str(), s)).collect();
    let cur_scopes: HashSet<&str> = cur.role_assignments.iter().map(|s| s.key.as_str()).collect();
    let mut blocks: Vec<Html> = cur
        .role_assignments
        .iter()
        .map(|s| scope_block(s, diff(&s.assignments, prev_scopes.get(s.key.as_str()).map_or(&empty, |o| &o.assignments), ra_add, ra_del, &ra_item)))
        .collect();
    if ra_del {
        blocks.extend(prev.role_assignments.iter().filter(|s| !cur_scopes.contains(s.key.as_str())).map(|s| scope_block(s, diff(&empty, &s.assignments, false, true, &ra_item))));
    }
    if blocks.is_empty() {
        blocks.push(el("p", "wv-none", txt("None.")));
    }
    if ra_truncated {
        blocks.push(el("p", "wv-none", txt(format!("Showing the first and the last {} of {} assignments.", shown(cur), cur.assignment_count))));
    }
    blocks.push(sub("Deny assignments", !(cur.deny_assignments.items.is_empty() && prev.deny_assignments.items.is_empty()), list(&cur.deny_assignments, &prev.deny_assignments, &deny_item)));
    let rbac = section(
        "Role assignments",
        summary(count(cur.assignment_count, "assignment", "assignments"), cur.assignment_count, prev.assignment_count, cur.role_assignments != prev.role_assignments || cur.deny_assignments != prev.deny_assignments),
        true,
        blocks.into_iter().collect(),
    );

    // Key Vault.
    fn vaults(v: &WorldView) -> Vec<&ResourceView> {
        v.resources.items.iter().filter(|r| r.vault.is_some()).collect()
    }
    let (cur_v, prev_v) = (vaults(cur), vaults(prev));
    let kv_item = |r: &&ResourceView| {
        let Some(v) = &r.vault else { return Html::default() };
        let old = prev_v.iter().find(|o| o.key == r.key).and_then(|o| o.vault.as_ref());
        let policies = diff(&v.access_policies, old.map_or(&[][..], |o| &o.access_policies), old.is_some(), old.is_some(), &policy_item);
        let rows = [
            kv("permission model", txt(if v.rbac { "Azure RBAC (access policies ignored)" } else { "access policies (RBAC data roles ignored)" })),
            kv("secrets", join_or(&v.secrets, "none")),
            kv("access policies", if policies.is_empty() { txt("none") } else { el("ul", "wv-list", policies.into_iter().collect()) }),
        ];
        [name_line(&r.name, "", ""), el("dl", "wv-kv", rows.into_iter().collect())].into_iter().collect()
    };
    let keyvault = if cur_v.is_empty() && prev_v.is_empty() {
        Html::default()
    } else {
        let items = diff(&cur_v, &prev_v, !cur.resources.truncated(), !prev.resources.truncated(), &kv_item);
        let title = format!("{}{}", count(cur_v.len(), "vault", "vaults"), if cur.resources.truncated() { " among the resources shown" } else { "" });
        section("Key Vault", summary(title, 0, 0, cur_v != prev_v), false, el("ul", "wv-list", items.into_iter().collect()))
    };

    // Caches.
    let cache_item = |c: &CacheView| {
        let left = c.expires_on.since(now);
        let mut when = if left > 0 { format!("expires {} ({} left)", t(c.expires_on), human_duration(left)) } else { format!("expired {}", t(c.expires_on)) };
        if c.layer == "sdk" {
            when += &format!(" · refresh from {}", t(c.refresh_on));
        }
        [
            el("span", if c.layer == "sdk" { "layer sdk" } else { "layer endpoint" }, txt(if c.layer == "sdk" { "SDK" } else { "endpoint" })),
            txt(" "),
            el("strong", "", txt(c.host.clone())),
            txt(format!(": {} → ", c.whose)),
            el("code", "", txt(c.audience.clone())),
            el("div", "muted", txt(when)),
        ]
        .into_iter()
        .collect()
    };
    let caches = section("Token caches", summary(count(cur.caches.total, "token", "tokens"), cur.caches.total, prev.caches.total, cur.caches != prev.caches), false, list(&cur.caches, &prev.caches, &cache_item));

    // Certificates.
    let cert_item = |c: &CertView| {
        let mut due = vec![txt(format!("valid to {} · renew at {}", t(c.not_after), t(c.renew_at)))];
        if c.renew_at <= now {
            due.push(txt(" · "));
            due.push(el("span", "pending", txt("renewal due")));
        }
        let thumb = html! { <code class="id" title={c.thumbprint.clone()}>{ c.thumbprint.chars().take(12).collect::<String>() + "…" }</code> };
        [name_line(&c.identity, "", ""), txt(" "), thumb, el("div", "muted", due.into_iter().collect())].into_iter().collect()
    };
    let certificates = section(
        "MI resource provider certificates",
        summary(count(cur.certificates.total, "certificate", "certificates"), cur.certificates.total, prev.certificates.total, cur.certificates != prev.certificates),
        false,
        [el("p", "wv-meta", txt("The backing credential of each identity: never visible to your code, rolled by the platform.")), list(&cur.certificates, &prev.certificates, &cert_item)].into_iter().collect(),
    );

    // Clock: token lifetimes and faults.
    let mut clock_sum = vec![html! { <time>{ t(now) }</time> }];
    if now != prev.now {
        clock_sum.push(el("span", "delta up", txt(format!("+{}", human_duration(now.since(prev.now))))));
    }
    let clock = section(
        "Clock",
        el("span", "wv-count", clock_sum.into_iter().collect()),
        true,
        [timeline(cur, prev), sub("Faults in force", !(cur.faults.items.is_empty() && prev.faults.items.is_empty()), list(&cur.faults, &prev.faults, &fault_item))].into_iter().collect(),
    );

    let title = match step {
        Some((i, _)) => format!("World after step {}", i + 1),
        None => "World".to_string(),
    };
    html! {
        <section class="world-view" aria-label="World state">
            { el("h2", "", txt(title)) }
            { changes }
            { directory }
            { resources }
            { rbac }
            { keyvault }
            { caches }
            { certificates }
            { clock }
        </section>
    }
}

/// Token lifetimes as bars on a time axis, with a "now" marker (the last 8 tokens).
fn timeline(cur: &WorldView, prev: &WorldView) -> Html {
    let toks = &cur.tokens.items;
    if toks.is_empty() {
        return html! { <p class="wv-none">{ "No token issued yet." }</p> };
    }
    let shown = &toks[toks.len().saturating_sub(8)..];
    let old: HashSet<&str> = prev.tokens.items.iter().map(|x| x.key.as_str()).collect();
    let now = cur.now.0;
    let lo = shown.iter().map(|x| x.iat.0).min().unwrap_or(now).min(now);
    let hi = shown.iter().map(|x| x.exp.0).max().unwrap_or(now).max(now).max(lo + 1);
    // Coordinates in tenths of a pixel, as integers (no float printer in the bundle).
    const W: u64 = 3200;
    const L: u64 = 40;
    const ROW: u64 = 22;
    let x = |s: u64| L + ((W - 2 * L) as u128 * (s.saturating_sub(lo)) as u128 / (hi - lo) as u128) as u64;
    let px = |tenths: u64| format!("{}.{}", tenths / 10, tenths % 10);
    let h = 24 + ROW * shown.len() as u64;
    let bars = shown.iter().enumerate().map(|(i, k)| {
        let y = 16 + ROW * i as u64;
        let (x1, x2) = (x(k.iat.0), x(k.exp.0.max(k.iat.0)));
        let mut cls = classes!("bar");
        if k.exp.0 <= now {
            cls.push("expired");
        }
        if !old.contains(k.key.as_str()) {
            cls.push("added");
        }
        let aud = k.audience.trim_start_matches("https://").trim_end_matches('/');
        html! {
            <g class={cls}>
                <title>{ format!("{} on {} → {}: issued {}, expires {}", k.whose, k.host, k.audience, t(k.iat), t(k.exp)) }</title>
                <rect x={px(x1)} y={y.to_string()} width={px((x2 - x1).max(20))} height="8" rx="2" />
                <text x={px(L)} y={(y - 2).to_string()}>{ format!("{} → {}", k.host, aud) }</text>
            </g>
        }
    });
    let nx = x(now);
    html! {
        <figure class="wv-timeline">
            <svg viewBox={format!("0 0 {} {h}", W / 10)} role="img" aria-label={format!("Token lifetimes ({} shown); now is {}", shown.len(), t(cur.now))}>
                { for bars }
                <line class="now" x1={px(nx)} y1="2" x2={px(nx)} y2={(h - 12).to_string()} />
                <text class="now-label" x={px(nx.clamp(160, W - 160))} y={(h - 2).to_string()} text-anchor="middle">{ "now" }</text>
            </svg>
            <figcaption class="muted">{ format!("{} → {}", t(SimTime(lo)), t(SimTime(hi))) }if cur.tokens.total > shown.len() { { format!(" · last {} of {} tokens", shown.len(), cur.tokens.total) } }</figcaption>
        </figure>
    }
}
