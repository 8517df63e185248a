//! Microsoft Entra ID: the directory (users, groups, applications and the service
//! principals behind managed identities), Microsoft Graph's writes to it, and the token
//! service that signs access tokens. Discovery (the JWKS and OpenID configuration that
//! resource servers verify with) is published from `token`.
//!
//! Entra ID never decides access to a resource: it says who the caller is, in a token.

pub mod directory;
pub mod graph;
pub mod token_service;
