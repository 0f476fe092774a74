//! The documented roles of Taegis API clients (seed 000 of the API guides): their IDs never
//! change, so the runtime and the emulator share one table.

/// A documented role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RoleDef {
    /// The role's ID.
    pub id: &'static str,
    /// The role's name as the API returns it.
    pub name: &'static str,
    /// The summary name (`tenantAdmin`, ...).
    pub summary: &'static str,
}

/// Tenant Administrator.
pub const ADMINISTRATOR: RoleDef = RoleDef {
    id: "ba0fdcbd-e87d-4bdd-ae7d-ca6118b25068",
    name: "TenantAdmin",
    summary: "tenantAdmin",
};
/// Tenant Analyst: the role a client gets when none is given.
pub const ANALYST: RoleDef = RoleDef {
    id: "a4903f9f-465b-478f-a24e-82fa2e129d2e",
    name: "TenantAnalyst",
    summary: "tenantAnalyst",
};
/// Tenant Responder.
pub const RESPONDER: RoleDef = RoleDef {
    id: "a72dace7-4536-4dbc-947d-015a8eb65f4d",
    name: "TenantResponder",
    summary: "tenantResponder",
};
/// Tenant Auditor.
pub const AUDITOR: RoleDef = RoleDef {
    id: "ace1cae4-59fd-4fd1-9500-40077dc529a7",
    name: "TenantAuditor",
    summary: "tenantAuditor",
};

/// The four documented roles, most privileged first.
pub const ALL: [RoleDef; 4] = [ADMINISTRATOR, ANALYST, RESPONDER, AUDITOR];
