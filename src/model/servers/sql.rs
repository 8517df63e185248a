//! Azure SQL: a TDS login carrying an access token, contained database users (fact sheet §6.3).

use crate::model::arm::Resource;
use crate::model::hosts::Host;
use crate::model::http::Request;
use crate::model::servers::{Authn, Service};
use crate::model::verify::Rejection;
use crate::model::world::World;
use crate::model::world::Draft;
use crate::model::trace::StepKind;
use crate::model::sdk::Auth;

impl World {
    pub(crate) fn sql_connect(&mut self, h: &Host, db: &Resource, auth: Auth) {
        let app = self.p_app(h);
        let sql = self.p_server(db);
        let Some(token) = self.bearer_for(h, auth, Service::Sql, Service::Sql.resource()) else { return };
        let Some(jwt) = token else { return };
        let s = self.push(Draft::runtime(app, sql, "TDS login with access token").internal(&format!("Connect to {} with an Entra access token (no password)", db.name), serde_json::json!({"server": format!("{}.database.windows.net", db.name), "authentication": "access token (FEDAUTH)"})).source("fact sheet §6.3").explain("SQL is not HTTP: the driver (e.g. Microsoft.Data.SqlClient with Authentication=Active Directory Managed Identity) passes the token in the TDS login. Drawn conceptually."));
        s.jwt = Some(jwt.clone());
        if !matches!(auth, Auth::Scripted(_)) {
            self.sent_tokens.insert((h.name.to_ascii_lowercase(), Service::Sql), (jwt.clone(), self.now));
        }
        // The TDS login carries the token like a bearer header carries it over HTTP.
        let login = Request::new("LOGIN", format!("tds://{}.database.windows.net", db.name)).header("Authorization", format!("Bearer {jwt}"));
        let claims = match self.authenticate(&login, &self.tenant_of(&db.id).to_string(), Service::Sql.audiences()) {
            Authn::Valid(c, _) => c,
            Authn::NoToken => return,
            Authn::Rejected(v) => {
                let rej = v.rejection().cloned().unwrap_or(Rejection::Malformed { why: String::new() });
                let s = self.push(Draft::runtime(sql, app, "Login failed (token)").internal("Login failed for user '<token-identified principal>'.", serde_json::json!({"error": 18456})).source("fact sheet §6.3").explain(format!("SQL rejects the token: {}.", rej.explain())));
                s.set_kind(StepKind::TokenRefused(rej.check()));
                s.decision = Some(Self::token_decision(&v, "Request the token for https://database.windows.net/ and send it unchanged before it expires."));
                return;
            }
        };
        let ids: Vec<String> = std::iter::once(claims.oid.clone()).chain(claims.groups.iter().cloned()).collect();
        let db_now = self.resources.get(&db.id.to_ascii_lowercase()).cloned().unwrap_or_else(|| db.clone());
        let plabel = self.principal_label(&claims.oid);
        if db_now.data.contained_users.iter().any(|u| ids.iter().any(|i| i.eq_ignore_ascii_case(u))) {
            self.push(Draft::runtime(sql, app, "login OK").internal(&format!("Connected as [{plabel}]"), serde_json::Value::Null).source("fact sheet §6.3").explain(format!("A contained database user exists for {plabel} (CREATE USER [{plabel}] FROM EXTERNAL PROVIDER), so the login succeeds. Database permissions come from that user's roles, not from Azure RBAC.")).kind(StepKind::Answered));
        } else {
            let s = self.push(Draft::runtime(sql, app, "Login failed for user '<token-identified principal>'").internal("Error 18456", serde_json::Value::Null).source("fact sheet §6.3").explain(format!("The token is valid, but the database has no user for {plabel}. Azure RBAC roles on the server do not grant database access: run CREATE USER [{plabel}] FROM EXTERNAL PROVIDER in the database.")));
            s.set_kind(StepKind::AccessDenied);
        }
    }
}
