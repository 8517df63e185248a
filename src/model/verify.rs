//! Verifying an access token the way a resource server does: the signature against the
//! tenant's published JWKS, then the header and claims.
