//! The form editor for the common changes: toggle the system-assigned identity,
//! add/remove a user-assigned identity, add/remove a role assignment (role and scope
//! pickers), the vault's permission model, the requested resource or client id, the
//! host type, the clock.
//!
//! Every control sends a [`crate::model::edit::Edit`] through `on_change`; the rules of
//! each edit (what removing an identity takes with it, the `identity.type` string…) live
//! in the model and are tested natively. Nothing here decides anything about identity (a
//! change that makes the scenario invalid comes back as a diagnostic from the model).
//! Controls of the initial world say so, and say what the script then does to it ("off
//! at the start; step 1 enables it").
//!
//! Test hooks (all `data-*` values are names from the scenario, `data-step` a 0-based
//! script index):
//! - compute: `select.type-select[data-resource]`, `input.sami-toggle[data-resource]`,
//!   `input.uami-toggle[data-resource][data-identity]`;
//! - identity resources: `.uami-row[data-identity]` with `button.uami-remove`,
//!   `input#uami-name`, `select#uami-rg`, `button#uami-add`;
//! - role assignments: `.ra-row` with `button.ra-remove`, `select#ra-principal`,
//!   `select#ra-role`, `select#ra-scope`, `button#ra-add`;
//! - vaults: `select.kv-model[data-vault]` (`true` = Azure RBAC, `false` = access policies);
//! - code: `select.app-credential[data-host]`, `select.app-mi[data-host]`,
//!   `input.app-mi-text[data-host]`, `select.app-assertion[data-host]` (AKS workloads:
//!   `""` or a `forgedAssertion`), `select.laptop-kind[data-host]` (`""` = laptop, a user
//!   name = that user's Cloud Shell session);
//! - App Service: `select.appsvc-os[data-resource]` (`windows`, `linux`);
//! - what the script does to a host's identity: `.fe-story[data-resource]`;
//! - script: `.script-step[data-step]`, `select.gettoken-resource[data-step]`,
//!   `select.auth-select[data-step]`, `input.clock-duration[data-step]`,
//!   `button.step-remove[data-step]` (every step), `input#clock-new`, `select#clock-before`,
//!   `button#clock-add`.

use crate::model::arm::{AppServiceOs, ResourceKind};
use crate::model::edit::{attached, auth_of, has_system_assigned as has_sami, identity_story, is_uami, redeploys, vault_story, Edit, IdentityChange};
use crate::model::scenario::{Action, AssertionForgery, Credential, ResourceSpec, RoleAssignmentSpec};
use crate::model::time::Duration;
use crate::model::Scenario;
use std::rc::Rc;
use yew::prelude::*;

/// Props of [`FormEditor`].
#[derive(Properties, PartialEq)]
pub struct FormProps {
    /// The scenario being edited (the last one that parsed).
    pub scenario: Rc<Scenario>,
    /// Called with each edit.
    pub on_change: Callback<Edit>,
}

const COMPUTE: [(ResourceKind, &str); 4] = [
    (ResourceKind::VirtualMachine, "Virtual machine"),
    (ResourceKind::ScaleSet, "Virtual machine scale set"),
    (ResourceKind::AppService, "App Service / Functions"),
    (ResourceKind::ArcServer, "Azure Arc server"),
];
/// Longest lists rendered in full; the rest is left to the JSON editor. (Every edit
/// re-renders the form: in a 1,000-resource world, longer lists cost more per edit in
/// diffing and layout than they help anyone find a row.)
const MAX_ROWS: usize = 50;

fn ev_prop(e: &Event, name: &str) -> wasm_bindgen::JsValue {
    e.target().and_then(|t| js_sys::Reflect::get(&t, &name.into()).ok()).unwrap_or_default()
}
fn ev_value(e: &Event) -> String {
    ev_prop(e, "value").as_string().unwrap_or_default()
}
fn ev_checked(e: &Event) -> bool {
    ev_prop(e, "checked").as_bool().unwrap_or(false)
}

/// A callback that turns an event into an edit (or nothing) and sends it.
fn edit<E: 'static>(p: &FormProps, f: impl Fn(&E) -> Option<Edit> + 'static) -> Callback<E> {
    let cb = p.on_change.clone();
    let f: Box<dyn Fn(&E) -> Option<Edit>> = Box::new(f);
    Callback::from(move |e: E| {
        if let Some(x) = f(&e) {
            cb.emit(x);
        }
    })
}

/// "Off at the start; step 1 enables it": what a host's identity checkbox shows, and what
/// the script then does to it.
fn story(sc: &Scenario, resource: &str, on_at_start: bool) -> String {
    let mut parts = vec![if on_at_start { "on at the start".to_string() } else { "off at the start".to_string() }];
    for (i, c) in identity_story(sc, resource) {
        let n = i + 1;
        parts.push(match c {
            IdentityChange::EnablesSystemAssigned => format!("step {n} enables it"),
            IdentityChange::DisablesSystemAssigned => format!("step {n} disables it"),
            IdentityChange::Attaches(id) => format!("step {n} attaches {id}"),
            IdentityChange::Detaches(id) => format!("step {n} detaches {id}"),
            IdentityChange::Sets(t) => format!("step {n} sets its identity to {t}"),
            IdentityChange::Deletes => format!("step {n} deletes {resource}"),
        });
    }
    let mut s = parts.join("; ");
    s[..1].make_ascii_uppercase(); // "on"/"off": ASCII
    s + "."
}

fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

/// One line about a script step.
fn summary(a: &Action) -> String {
    use Action::*;
    match a {
        EnableSystemAssigned { by, resource } => format!("{by} enables the system-assigned identity of {resource}"),
        DisableSystemAssigned { by, resource } => format!("{by} disables the system-assigned identity of {resource}"),
        CreateUserAssignedIdentity { by, name, resource_group } => format!("{by} creates identity {name} in {resource_group}"),
        DeleteUserAssignedIdentity { by, name } => format!("{by} deletes identity {name}"),
        AttachUserAssignedIdentity { by, resource, identity } => format!("{by} attaches {identity} to {resource}"),
        DetachUserAssignedIdentity { by, resource, identity } => format!("{by} detaches {identity} from {resource}"),
        PatchIdentity { by, resource, identity } => format!("{by} sets the identity of {resource} to {}", identity.identity_type),
        CreateRoleAssignment { by, principal_id, role_definition_id, scope, .. } => format!("{by} assigns {role_definition_id} to {principal_id} at {scope}"),
        DeleteRoleAssignment { by, principal_id, role_definition_id, scope } => format!("{by} removes {role_definition_id} of {principal_id} at {scope}"),
        AddGroupMember { by, group, member } => format!("{by} adds {member} to {group}"),
        SetAccessPolicy { by, vault, object_id, .. } => format!("{by} sets the access policy of {object_id} on {vault}"),
        SetVaultPermissionModel { by, vault, enable_rbac_authorization } => {
            format!("{by} switches {vault} to {}", if *enable_rbac_authorization { "Azure RBAC" } else { "access policies" })
        }
        DeleteResource { by, resource } => format!("{by} deletes {resource}"),
        AdvanceClock { duration } => format!("wait {duration}"),
        GetToken { host, resource } => format!("{host}: get a token for {resource}"),
        TokenRequest { host, method, .. } => format!("{host}: {method} to the token endpoint"),
        GetSecret { host, vault, secret, .. } => format!("{host}: read secret {secret} from {vault}"),
        BlobRequest { host, method, account, container, blob, .. } => format!("{host}: {method} blob {account}/{container}/{blob}"),
        ArmRequest { host, method, target, .. } => format!("{host}: {method} {target} on ARM"),
        SqlConnect { host, database, .. } => format!("{host}: connect to SQL database {database}"),
        ConfigureApp { host, .. } => format!("{host}: redeploy the code"),
        Fault { target, kind, duration, .. } => format!("fault: {kind} on {target} for {duration}"),
        Note { text } => format!("note: {}", short(text, 60)),
    }
}

/// `<option>`s for `values` (value = label), plus `current` if it is not among them.
fn options<'a>(values: impl IntoIterator<Item = &'a str>, current: &str) -> Html {
    let mut seen = false;
    let mut out: Vec<Html> = values
        .into_iter()
        .map(|v| {
            let sel = v == current;
            seen |= sel;
            html! { <option value={v.to_string()} selected={sel}>{ v }</option> }
        })
        .collect();
    if !seen && !current.is_empty() {
        out.push(html! { <option value={current.to_string()} selected=true>{ current }</option> });
    }
    html! { for out }
}

/// Longest option group in a picker (the current choice is always among the options).
const MAX_OPTIONS: usize = 100;

/// Option groups (skipping empty ones) with `current` selected; a group longer than
/// [`MAX_OPTIONS`] ends with a disabled "… and N more" entry.
fn grouped(groups: &[(&'static str, Vec<String>)], current: &str) -> Html {
    groups
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(label, v)| {
            let beyond = v.iter().skip(MAX_OPTIONS).find(|x| *x == current);
            html! {
                <optgroup label={*label}>
                    { for v.iter().take(MAX_OPTIONS).chain(beyond).map(|x| html! { <option value={x.clone()} selected={x == current}>{ x }</option> }) }
                    if v.len() > MAX_OPTIONS {
                        <option disabled=true>{ format!("… and {} more (name them in the JSON)", v.len() - MAX_OPTIONS) }</option>
                    }
                </optgroup>
            }
        })
        .collect()
}

/// `state` if it is one of the options, else the first option.
fn pick(state: &str, groups: &[(&str, Vec<String>)]) -> String {
    let mut all = groups.iter().flat_map(|(_, v)| v.iter());
    if groups.iter().any(|(_, v)| v.iter().any(|x| x == state)) {
        state.to_string()
    } else {
        all.next().cloned().unwrap_or_default()
    }
}

/// A labelled control: `<label class="fe-field"><span>label</span>control</label>`.
fn field(label: &'static str, control: Html) -> Html {
    html! { <label class="fe-field"><span>{ label }</span>{ control }</label> }
}

fn more(n: usize) -> Html {
    if n > MAX_ROWS {
        html! { <p class="fe-more">{ format!("… and {} more (edit them in the JSON).", n - MAX_ROWS) }</p> }
    } else {
        Html::default()
    }
}

/// The form editor component.
#[function_component(FormEditor)]
pub fn form_editor(p: &FormProps) -> Html {
    let sc = &p.scenario;
    let w = &sc.world;
    let uami_name = use_state(String::new);
    let uami_rg = use_state(|| 0usize);
    let ra_principal = use_state(String::new);
    let ra_role = use_state(String::new);
    let ra_scope = use_state(String::new);
    let clock_new = use_state(|| "5m".to_string());
    let clock_before = use_state(|| 0usize);

    let uamis: Vec<&ResourceSpec> = w.resources.iter().filter(|r| is_uami(r)).collect();
    let compute: Vec<&ResourceSpec> = w.resources.iter().filter(|r| r.resource_type.supports_system_assigned()).collect();

    // ---- Compute resources and their identities.
    let compute_rows = compute.iter().take(MAX_ROWS).map(|r| {
        let k = r.resource_type;
        let name = r.name.clone();
        let sys = has_sami(r);
        let on_type = {
            let name = name.clone();
            edit(p, move |e: &Event| ResourceKind::parse(&ev_value(e)).map(|resource_type| Edit::SetResourceType { resource: name.clone(), resource_type }))
        };
        let on_sami = {
            let name = name.clone();
            edit(p, move |e: &Event| Some(Edit::SetSystemAssigned { resource: name.clone(), on: ev_checked(e) }))
        };
        let ua_ok = k.supports_user_assigned();
        let toggles = uamis.iter().map(|u| {
            let on = attached(r, &u.name);
            let onchange = {
                let (name, id) = (name.clone(), u.name.clone());
                edit(p, move |e: &Event| Some(Edit::SetUserAssigned { resource: name.clone(), identity: id.clone(), attached: ev_checked(e) }))
            };
            html! {
                <label class="fe-check">
                    <input type="checkbox" class="uami-toggle" data-resource={name.clone()} data-identity={u.name.clone()}
                        checked={on} disabled={!ua_ok && !on} {onchange} />
                    { &u.name }
                </label>
            }
        });
        html! {
            <div class="fe-item" data-resource={name.clone()}>
                <h3 class="fe-name">{ &r.name }</h3>
                { field("Type", html! {
                    <select class="type-select" data-resource={name.clone()} onchange={on_type}>
                        { for COMPUTE.iter().map(|(t, label)| html! {
                            <option value={t.as_str()} selected={*t == k}>{ *label }</option>
                        }) }
                    </select>
                }) }
                if k == ResourceKind::AppService {
                    { field("Plan OS", html! {
                        <select class="appsvc-os" data-resource={name.clone()} onchange={{
                            let name = name.clone();
                            edit(p, move |e: &Event| AppServiceOs::parse(&ev_value(e)).map(|os| Edit::SetAppServiceOs { resource: name.clone(), os }))
                        }}>{ options(AppServiceOs::ALL.iter().map(|o| o.as_str()), r.properties.os.unwrap_or_default().as_str()) }</select>
                    }) }
                }
                <label class="fe-check">
                    <input type="checkbox" class="sami-toggle" data-resource={name.clone()} checked={sys} onchange={on_sami} />
                    { "System-assigned identity at the start" }
                </label>
                <p class="fe-story" data-resource={name.clone()}>{ story(sc, &name, sys) }</p>
                if !uamis.is_empty() {
                    <fieldset class="fe-uamis">
                        <legend>{ "User-assigned identities attached at the start" }</legend>
                        { for toggles }
                        if !ua_ok {
                            <p class="fe-note">{ "This host type supports only the system-assigned identity." }</p>
                        }
                    </fieldset>
                }
            </div>
        }
    });

    // ---- User-assigned identity resources.
    let rgs: Vec<(Option<String>, String)> = w
        .subscriptions
        .iter()
        .enumerate()
        .flat_map(|(i, sub)| sub.resource_groups.iter().map(move |g| ((i > 0).then(|| sub.name.clone()), g.name.clone())))
        .collect();
    let rg_pick = if *uami_rg < rgs.len() { *uami_rg } else { 0 };
    let new_name = uami_name.trim().to_string();
    let name_taken = w.resources.iter().any(|r| r.name.eq_ignore_ascii_case(&new_name));
    let can_add_uami = !new_name.is_empty() && !name_taken && !rgs.is_empty();
    let uami_rows = uamis.iter().take(MAX_ROWS).map(|u| {
        let onclick = {
            let id = u.name.clone();
            edit(p, move |_: &MouseEvent| Some(Edit::RemoveIdentity { name: id.clone() }))
        };
        html! {
            <li class="uami-row" data-identity={u.name.clone()}>
                <span class="fe-name">{ &u.name }</span>
                <span class="fe-muted">{ &u.resource_group }</span>
                <button type="button" class="uami-remove" data-identity={u.name.clone()} aria-label={format!("Remove identity {}", u.name)} {onclick}>{ "Remove" }</button>
            </li>
        }
    });
    let on_uami_name = {
        let st = uami_name.clone();
        Callback::from(move |e: InputEvent| st.set(ev_value(&e)))
    };
    let on_uami_rg = {
        let st = uami_rg.clone();
        Callback::from(move |e: Event| st.set(ev_value(&e).parse().unwrap_or(0)))
    };
    let on_uami_add = {
        let (name, rg, st) = (new_name.clone(), rgs.get(rg_pick).cloned(), uami_name.clone());
        let add = edit(p, move |_: &MouseEvent| rg.clone().map(|(subscription, resource_group)| Edit::AddIdentity { name: name.clone(), resource_group, subscription }));
        Callback::from(move |e: MouseEvent| {
            add.emit(e);
            st.set(String::new());
        })
    };

    // ---- Role assignments.
    let mut principals: Vec<(&str, Vec<String>)> = vec![
        ("Users", w.users.iter().map(|u| u.name.clone()).collect()),
        ("Groups", w.groups.iter().map(|g| g.name.clone()).collect()),
        ("Resources (system-assigned identity)", w.resources.iter().filter(|r| has_sami(r)).map(|r| r.name.clone()).collect()),
        ("User-assigned identities", uamis.iter().map(|r| r.name.clone()).collect()),
    ];
    principals.retain(|(_, v)| !v.is_empty());
    let roles: Vec<(&str, Vec<String>)> = vec![
        ("Built-in roles", crate::model::rbac::built_in_role_names().into_iter().map(str::to_string).collect()),
        ("Custom roles", w.role_definitions.iter().map(|d| d.role_name.clone()).collect()),
    ];
    let mut rg_names: Vec<String> = Vec::new();
    for (_, g) in &rgs {
        if !rg_names.contains(g) {
            rg_names.push(g.clone());
        }
    }
    let scopes: Vec<(&str, Vec<String>)> = vec![
        ("Subscriptions", w.subscriptions.iter().map(|s| s.name.clone()).collect()),
        ("Resource groups", rg_names),
        ("Resources", w.resources.iter().map(|r| r.name.clone()).collect()),
    ];
    let (pr, ro, scp) = (pick(&ra_principal, &principals), pick(&ra_role, &roles), pick(&ra_scope, &scopes));
    let duplicate = w.role_assignments.iter().any(|a| a.principal_id == pr && a.role_definition_id == ro && a.scope == scp);
    let can_add_ra = !pr.is_empty() && !ro.is_empty() && !scp.is_empty() && !duplicate;
    let ra_rows = w.role_assignments.iter().enumerate().take(MAX_ROWS).map(|(i, a)| {
        let onclick = {
            let a = a.clone();
            edit(p, move |_: &MouseEvent| Some(Edit::RemoveRoleAssignment { index: i, assignment: a.clone() }))
        };
        html! {
            <li class="ra-row" data-index={i.to_string()}>
                <span class="ra-role">{ &a.role_definition_id }</span>
                { " for " }
                <span class="ra-principal">{ &a.principal_id }</span>
                { " at " }
                <span class="ra-scope">{ &a.scope }</span>
                <button type="button" class="ra-remove" aria-label={format!("Remove {} for {} at {}", a.role_definition_id, a.principal_id, a.scope)} {onclick}>
                    { "Remove" }
                </button>
            </li>
        }
    });
    let set_on = |st: &UseStateHandle<String>| {
        let st = st.clone();
        Callback::from(move |e: Event| st.set(ev_value(&e)))
    };
    let on_ra_add = {
        let spec = RoleAssignmentSpec { principal_id: pr.clone(), role_definition_id: ro.clone(), scope: scp.clone() };
        edit(p, move |_: &MouseEvent| Some(Edit::AddRoleAssignment(spec.clone())))
    };

    // ---- Key Vaults.
    let n_vaults = w.resources.iter().filter(|r| r.resource_type == ResourceKind::KeyVault).count();
    let vaults = w.resources.iter().filter(|r| r.resource_type == ResourceKind::KeyVault).take(MAX_ROWS).map(|r| {
        let rbac = r.properties.enable_rbac_authorization.unwrap_or(true);
        let onchange = {
            let name = r.name.clone();
            edit(p, move |e: &Event| Some(Edit::SetVaultRbac { vault: name.clone(), rbac: ev_value(e) == "true" }))
        };
        let later: Vec<String> = vault_story(sc, &r.name).into_iter().map(|(i, rbac)| format!("step {} switches it to {}", i + 1, if rbac { "Azure RBAC" } else { "access policies" })).collect();
        html! {
            <>
                <label class="fe-field">
                    <span class="fe-name">{ &r.name }</span>
                    <select class="kv-model" data-vault={r.name.clone()} {onchange}>
                        <option value="true" selected={rbac}>{ "Azure RBAC" }</option>
                        <option value="false" selected={!rbac}>{ "Access policies" }</option>
                    </select>
                </label>
                if !later.is_empty() {
                    <p class="fe-story" data-vault={r.name.clone()}>{ format!("Then {}.", later.join("; ")) }</p>
                }
            </>
        }
    });

    // ---- The code on each host.
    let n_hosts = w.resources.iter().filter(|r| r.app.is_some()).count() + w.laptops.iter().filter(|l| l.app.is_some()).count();
    let hosts = w
        .resources
        .iter()
        .filter_map(|r| r.app.as_ref().map(|a| (r.name.clone(), a, None, r.resource_type == ResourceKind::AksWorkload)))
        .chain(w.laptops.iter().filter_map(|l| l.app.as_ref().map(|a| (l.name.clone(), a, Some(l.cloud_shell.clone().unwrap_or_default()), false))))
        .take(MAX_ROWS)
        .map(|(host, app, laptop, aks)| {
            let on_assertion = {
                let host = host.clone();
                edit(p, move |e: &Event| Some(Edit::SetForgedAssertion { host: host.clone(), forgery: AssertionForgery::parse(&ev_value(e)) }))
            };
            let on_kind = {
                let host = host.clone();
                edit(p, move |e: &Event| Some(Edit::SetCloudShell { host: host.clone(), user: Some(ev_value(e)) }))
            };
            let forged = app.forged_assertion.map(|f| f.as_str()).unwrap_or("");
            let on_cred = {
                let host = host.clone();
                edit(p, move |e: &Event| Credential::parse(&ev_value(e)).map(|credential| Edit::SetCredential { host: host.clone(), credential }))
            };
            let on_mi = {
                let host = host.clone();
                edit(p, move |e: &Event| Some(Edit::SetManagedIdentity { host: host.clone(), managed_identity: Some(ev_value(e)) }))
            };
            let mi = app.managed_identity.clone().unwrap_or_default();
            let custom = !mi.is_empty() && !uamis.iter().any(|u| u.name == mi);
            html! {
                <div class="fe-item" data-host={host.clone()}>
                    <h3 class="fe-name">{ &host }{ match laptop.as_deref() { Some("") => " (laptop)", Some(_) => " (Cloud Shell)", None => "" } }</h3>
                    if let Some(shell) = laptop.clone() {
                        { field("Runs on", html! {
                            <select class="laptop-kind" data-host={host.clone()} onchange={on_kind}>
                                <option value="" selected={shell.is_empty()}>{ "A developer laptop" }</option>
                                { for w.users.iter().map(|u| html! { <option value={u.name.clone()} selected={u.name == shell}>{ format!("Azure Cloud Shell of {}", u.name) }</option> }) }
                            </select>
                        }) }
                    }
                    if aks {
                        { field("Client assertion", html! {
                            <select class="app-assertion" data-host={host.clone()} onchange={on_assertion}>
                                <option value="" selected={forged.is_empty()}>{ "The projected token (as issued)" }</option>
                                <option value="tampered" selected={forged == "tampered"}>{ "Forged: subject rewritten" }</option>
                                <option value="attacker" selected={forged == "attacker"}>{ "Forged: signed with another key" }</option>
                            </select>
                        }) }
                    }
                    { { let later = redeploys(sc, &host); if later.is_empty() { html! {} } else {
                        html! { <p class="fe-story" data-host={host.clone()}>{ format!("At the start; {} redeploy{} it with other settings.", later.iter().map(|i| format!("step {}", i + 1)).collect::<Vec<_>>().join(", "), if later.len() == 1 { "s" } else { "" }) }</p> }
                    } } }
                    { field("Credential", html! {
                        <select class="app-credential" data-host={host.clone()} onchange={on_cred}>{ options(Credential::ALL.iter().map(|c| c.as_str()), app.credential.as_str()) }</select>
                    }) }
                    { field("Identity the code asks for", html! {
                        <select class="app-mi" data-host={host.clone()} onchange={on_mi.clone()}>
                            <option value="" selected={mi.is_empty()}>{ "Not set (system-assigned)" }</option>
                            { for uamis.iter().map(|u| html! { <option value={u.name.clone()} selected={u.name == mi}>{ &u.name }</option> }) }
                            if custom {
                                <option value={mi.clone()} selected=true>{ &mi }</option>
                            }
                        </select>
                    }) }
                    { field("…or a client id / resource id", html! {
                        <input type="text" class="app-mi-text" data-host={host.clone()} value={mi.clone()} spellcheck="false" autocomplete="off"
                            placeholder="00000000-0000-0000-0000-000000000000" onchange={on_mi} />
                    }) }
                </div>
            }
        });

    // ---- The script.
    let steps = sc.script.iter().enumerate().take(MAX_ROWS).map(|(i, a)| {
        let control = match a {
            Action::GetToken { resource, .. } => {
                let onchange = edit(p, move |e: &Event| Some(Edit::SetTokenResource { step: i, resource: ev_value(e) }));
                field("Resource", html! {
                    <select class="gettoken-resource" data-step={i.to_string()} {onchange}>{ options(crate::model::entra::token_service::APIS, resource) }</select>
                })
            }
            Action::AdvanceClock { duration } => {
                let onchange = edit(p, move |e: &Event| {
                    let v = ev_value(e);
                    // Marks a duration that does not parse (the edit then changes nothing).
                    let ok = Duration::parse(v.trim()).is_some();
                    if let Some(el) = e.target().and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok()) {
                        let _ = if ok { el.remove_attribute("aria-invalid") } else { el.set_attribute("aria-invalid", "true") };
                    }
                    Some(Edit::SetDuration { step: i, duration: v })
                });
                field("Duration (90s, 10m, 24h, 45d)", html! {
                    <input type="text" class="clock-duration" data-step={i.to_string()} value={duration.to_string()} spellcheck="false" autocomplete="off" {onchange} />
                })
            }
            _ => match auth_of(a) {
                Some(cur) => {
                    let onchange = edit(p, move |e: &Event| Some(Edit::SetAuth { step: i, auth: ev_value(e) }));
                    field("Token sent", html! {
                        <select class="auth-select" data-step={i.to_string()} {onchange}>
                            <option value="sdk" selected={cur == "sdk"}>{ "The SDK's (sdk)" }</option>
                            <option value="none" selected={cur == "none"}>{ "None (none)" }</option>
                            { options(crate::model::entra::token_service::APIS, if cur == "sdk" || cur == "none" { "" } else { cur }) }
                        </select>
                    })
                }
                None => Html::default(),
            },
        };
        let remove = edit(p, move |_: &MouseEvent| Some(Edit::RemoveStep { step: i }));
        html! {
            <li class="script-step" data-step={i.to_string()}>
                <span class="step-summary">{ summary(a) }</span>
                { control }
                <button type="button" class="step-remove" data-step={i.to_string()} aria-label={format!("Remove step {}: {}", i + 1, short(&summary(a), 60))} title="Remove this step (Undo brings it back)" onclick={remove}>{ "Remove" }</button>
            </li>
        }
    });
    let n_steps = sc.script.len();
    let before = (*clock_before).min(n_steps);
    let clock_ok = Duration::parse(&clock_new).is_some();
    let on_clock_new = {
        let st = clock_new.clone();
        Callback::from(move |e: InputEvent| st.set(ev_value(&e)))
    };
    let on_clock_before = {
        let st = clock_before.clone();
        Callback::from(move |e: Event| st.set(ev_value(&e).parse().unwrap_or(0)))
    };
    let on_clock_add = {
        let d = clock_new.trim().to_string();
        edit(p, move |_: &MouseEvent| Some(Edit::InsertWait { before, duration: d.clone() }))
    };

    html! {
        <section class="form-editor" aria-label="Form editor">
            <fieldset class="fe-section fe-compute">
                <legend>{ "Hosts and their identities" }</legend>
                if compute.is_empty() {
                    <p class="fe-note">{ "No compute resource in this scenario." }</p>
                }
                { for compute_rows }
                { more(compute.len()) }
            </fieldset>

            <fieldset class="fe-section fe-uami">
                <legend>{ "User-assigned identity resources at the start" }</legend>
                if uamis.is_empty() {
                    <p class="fe-note">{ "None in the initial world (the script may create some)." }</p>
                }
                <ul class="fe-list">{ for uami_rows }</ul>
                { more(uamis.len()) }
                <div class="fe-add">
                    { field("Name", html! {
                        <input type="text" id="uami-name" value={(*uami_name).clone()} oninput={on_uami_name} spellcheck="false" autocomplete="off"
                            placeholder="id-my-app" aria-invalid={name_taken.then_some("true")} />
                    }) }
                    { field("Resource group", html! {
                        <select id="uami-rg" onchange={on_uami_rg}>
                            { for rgs.iter().enumerate().map(|(i, (sub, g))| html! {
                                <option value={i.to_string()} selected={i == rg_pick}>
                                    { match sub { Some(s) => format!("{g} ({s})"), None => g.clone() } }
                                </option>
                            }) }
                        </select>
                    }) }
                    <button type="button" id="uami-add" disabled={!can_add_uami} onclick={on_uami_add}>{ "Add identity" }</button>
                    if name_taken {
                        <p class="fe-note">{ "A resource with this name exists." }</p>
                    }
                </div>
            </fieldset>

            <fieldset class="fe-section fe-ra">
                <legend>{ "Role assignments at the start" }</legend>
                <ul class="fe-list ra-list">{ for ra_rows }</ul>
                { more(w.role_assignments.len()) }
                <div class="fe-add">
                    { field("Principal", html! { <select id="ra-principal" onchange={set_on(&ra_principal)}>{ grouped(&principals, &pr) }</select> }) }
                    { field("Role", html! { <select id="ra-role" onchange={set_on(&ra_role)}>{ grouped(&roles, &ro) }</select> }) }
                    { field("Scope", html! { <select id="ra-scope" onchange={set_on(&ra_scope)}>{ grouped(&scopes, &scp) }</select> }) }
                    <button type="button" id="ra-add" disabled={!can_add_ra} onclick={on_ra_add}>{ "Add role assignment" }</button>
                    if duplicate {
                        <p class="fe-note">{ "This role assignment exists." }</p>
                    }
                </div>
            </fieldset>

            <fieldset class="fe-section fe-kv">
                <legend>{ "Key Vault permission model at the start" }</legend>
                if n_vaults == 0 {
                    <p class="fe-note">{ "No Key Vault in this scenario." }</p>
                }
                { for vaults }
                { more(n_vaults) }
            </fieldset>

            <fieldset class="fe-section fe-code">
                <legend>{ "Code on the hosts at the start" }</legend>
                if n_hosts == 0 {
                    <p class="fe-note">{ "No code runs in this scenario's world." }</p>
                }
                { for hosts }
                { more(n_hosts) }
            </fieldset>

            <fieldset class="fe-section fe-script">
                <legend>{ "Script" }</legend>
                <ol class="fe-list script-list">{ for steps }</ol>
                { more(n_steps) }
                <div class="fe-add">
                    { field("Wait", html! {
                        <input type="text" id="clock-new" value={(*clock_new).clone()} oninput={on_clock_new} spellcheck="false" autocomplete="off"
                            aria-invalid={(!clock_ok).then_some("true")} />
                    }) }
                    { field("Before", html! {
                        <select id="clock-before" onchange={on_clock_before}>
                            { for sc.script.iter().enumerate().map(|(i, a)| html! {
                                <option value={i.to_string()} selected={i == before}>{ format!("step {}: {}", i + 1, short(&summary(a), 50)) }</option>
                            }) }
                            <option value={n_steps.to_string()} selected={before == n_steps}>{ "the end of the script" }</option>
                        </select>
                    }) }
                    <button type="button" id="clock-add" disabled={!clock_ok} onclick={on_clock_add}>{ "Add wait" }</button>
                </div>
            </fieldset>
        </section>
    }
}
