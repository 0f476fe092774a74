//! The platform facts every service may need, shared by both endpoints: API clients and
//! their roles, tenants (with labels and subscriptions) and partner services, plus the sorted
//! tenant indexes. A service's own data lives in the service (see `crate::service`).

use super::util::rfc3339;
use std::collections::HashMap;
use taegis_platform::roles;

/// A role a client can hold, as in the role table of the authentication guide.
#[derive(Debug)]
pub(crate) struct Role {
    /// Role ID.
    pub(crate) id: &'static str,
    /// Role name as the API reports it.
    pub(crate) name: &'static str,
    /// Lower-camel summary used in `Client.roles`.
    pub(crate) summary: &'static str,
    /// Privilege: Administrator 4, Analyst 3, Responder 2, Auditor 1.
    pub(crate) rank: u8,
}

impl Role {
    const fn of(def: roles::RoleDef, rank: u8) -> Role {
        Role {
            id: def.id,
            name: def.name,
            summary: def.summary,
            rank,
        }
    }
}

/// Administrator role ID.
pub(crate) const ROLE_ADMIN: &str = roles::ADMINISTRATOR.id;
/// Analyst role ID (the default for new clients).
pub(crate) const ROLE_ANALYST: &str = roles::ANALYST.id;

/// The four documented roles (`taegis_platform::roles`), with the rank the sandbox gives them.
pub(crate) const ROLES: [Role; 4] = [
    Role::of(roles::ADMINISTRATOR, 4),
    Role::of(roles::ANALYST, 3),
    Role::of(roles::RESPONDER, 2),
    Role::of(roles::AUDITOR, 1),
];

/// Looks a role up by ID.
pub(crate) fn role(id: &str) -> Option<&'static Role> {
    ROLES.iter().find(|r| r.id.eq_ignore_ascii_case(id))
}

/// Rank needed to read a tenant.
pub(crate) const RANK_READ: u8 = 1;
/// Rank needed to manage API clients.
pub(crate) const RANK_CLIENTS: u8 = 3;
/// Rank needed to change tenants (`Tenant:update`, `Tenant:create`).
pub(crate) const RANK_ADMIN: u8 = 4;

/// A role granted to a client on a tenant (and the tenant's descendants).
#[derive(Debug, Clone)]
pub(crate) struct RoleAssignment {
    pub(crate) id: String,
    pub(crate) tenant_id: u64,
    pub(crate) role: &'static Role,
    pub(crate) expires_at: Option<i64>,
}

/// An API client.
#[derive(Debug, Clone)]
pub(crate) struct Client {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) client_id: String,
    pub(crate) secret: String,
    pub(crate) tenant_id: u64,
    pub(crate) owner_tenant_id: u64,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) created_by: String,
    pub(crate) updated_by: String,
    pub(crate) token_request_time: Option<i64>,
    pub(crate) token_request_count: i64,
    pub(crate) roles: Vec<RoleAssignment>,
}

/// A tenant's state in one environment.
#[derive(Debug, Clone)]
pub(crate) struct Env {
    pub(crate) name: String,
    pub(crate) enabled: bool,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

/// A label on a tenant.
#[derive(Debug, Clone)]
pub(crate) struct Label {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) value: String,
    pub(crate) owner_partner_tenant_id: Option<u64>,
}

/// A partner subscription assigned to a tenant.
#[derive(Debug, Clone)]
pub(crate) struct Assignment {
    pub(crate) id: String,
    pub(crate) service_id: String,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

/// A tenant.
#[derive(Debug, Clone)]
pub(crate) struct Tenant {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) domain: Option<String>,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) expires_at: Option<i64>,
    pub(crate) parent: Option<u64>,
    pub(crate) children: Vec<u64>,
    pub(crate) is_partner: bool,
    pub(crate) support_enabled: bool,
    pub(crate) allow_response_actions: bool,
    pub(crate) environments: Vec<Env>,
    pub(crate) labels: Vec<Label>,
    pub(crate) subscriptions: Vec<Assignment>,
    pub(crate) data_retention_months: i64,
    pub(crate) mdr_provider_type: String,
    pub(crate) license_level: String,
}

impl Tenant {
    /// Enabled in at least one environment.
    pub(crate) fn enabled(&self) -> bool {
        self.environments.iter().any(|e| e.enabled)
    }

    /// Enabled in a pilot (`pilot`) or production environment.
    pub(crate) fn enabled_where(&self, pilot: bool) -> bool {
        self.environments
            .iter()
            .any(|e| e.enabled && e.name.starts_with("pilot") == pilot)
    }
}

/// A partner service (subscription) that can be assigned to child tenants.
#[derive(Debug, Clone)]
pub(crate) struct PartnerService {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) owner_tenant_id: u64,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) requires_present_ids: Vec<String>,
    pub(crate) requires_absent_ids: Vec<String>,
}

/// Orderings of the tenants query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    Id,
    Name,
    CreatedAt,
    UpdatedAt,
}

impl Order {
    pub(crate) const ALL: [Order; 4] = [Order::Id, Order::Name, Order::CreatedAt, Order::UpdatedAt];

    /// Parses the `TenantOrderField` enum value.
    pub(crate) fn parse(text: &str) -> Option<Order> {
        Some(match text {
            "Id" => Order::Id,
            "Name" => Order::Name,
            "CreatedAt" => Order::CreatedAt,
            "UpdatedAt" => Order::UpdatedAt,
            _ => return None,
        })
    }

    /// The key written into cursors.
    pub(crate) fn cursor_key(self) -> &'static str {
        match self {
            Order::Id => "id",
            Order::Name => "name",
            Order::CreatedAt => "created_at",
            Order::UpdatedAt => "updated_at",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Tenant positions sorted once per ordering, rebuilt only after a change.
#[derive(Debug, Default)]
pub(crate) struct Indexes {
    /// Whether a change invalidated the indexes.
    dirty: bool,
    /// Per ordering: tenant slots in ascending order.
    pub(crate) sorted: [Vec<u32>; 4],
    /// Per ordering: the position of each tenant slot in `sorted`.
    pub(crate) position: [Vec<u32>; 4],
    /// The parent's slot of each tenant slot (`u32::MAX`: none).
    pub(crate) parent_slot: Vec<u32>,
}

/// The platform state.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) tenants: Vec<Tenant>,
    pub(crate) tenant_slot: HashMap<u64, usize>,
    pub(crate) indexes: Indexes,
    pub(crate) clients: Vec<Client>,
    pub(crate) services: Vec<PartnerService>,
    /// Base URL, for SSO parameters.
    pub(crate) base_url: String,
    /// Next tenant ID to allocate.
    pub(crate) next_tenant_id: u64,
}

/// The first seeded tenant ID (the bootstrap partner).
pub(crate) const FIRST_TENANT_ID: u64 = 10_000;
/// A partner outside the bootstrap hierarchy, never visible to the bootstrap client.
pub(crate) const OUTSIDE_PARTNER_ID: u64 = 9_000;

impl State {
    /// An empty state: no tenants or clients yet (the tenants service seeds them); new
    /// tenants get IDs from `next_tenant_id` on.
    pub(crate) fn new(base_url: String, next_tenant_id: u64) -> State {
        State {
            tenants: Vec::new(),
            tenant_slot: HashMap::new(),
            indexes: Indexes::default(),
            clients: Vec::new(),
            services: Vec::new(),
            base_url,
            next_tenant_id,
        }
    }

    /// Adds a tenant and links it to its parent.
    pub(crate) fn insert_tenant(&mut self, tenant: Tenant) {
        if let Some(parent) = tenant
            .parent
            .and_then(|p| self.tenant_slot.get(&p).copied())
        {
            self.tenants[parent].children.push(tenant.id);
        }
        self.tenant_slot.insert(tenant.id, self.tenants.len());
        self.tenants.push(tenant);
        self.indexes.dirty = true;
    }

    /// A tenant by ID.
    pub(crate) fn tenant(&self, id: u64) -> Option<&Tenant> {
        self.tenant_slot.get(&id).map(|&i| &self.tenants[i])
    }

    /// A tenant by ID, to change; marks the indexes stale.
    pub(crate) fn tenant_mut(&mut self, id: u64) -> Option<&mut Tenant> {
        self.indexes.dirty = true;
        let slot = *self.tenant_slot.get(&id)?;
        Some(&mut self.tenants[slot])
    }

    /// Whether `ancestor` is `tenant` or one of its ancestors.
    pub(crate) fn is_within(&self, tenant: u64, ancestor: u64) -> bool {
        let mut current = Some(tenant);
        let mut hops = 0;
        while let Some(id) = current {
            if id == ancestor {
                return true;
            }
            hops += 1;
            if hops > 64 {
                return false;
            }
            current = self.tenant(id).and_then(|t| t.parent);
        }
        false
    }

    /// The highest role rank `client` holds on `tenant` (0: none), at `now`.
    pub(crate) fn rank(&self, client: &Client, tenant: u64, now: i64) -> u8 {
        client
            .roles
            .iter()
            .filter(|a| a.expires_at.is_none_or(|e| e > now))
            .filter(|a| self.is_within(tenant, a.tenant_id))
            .map(|a| a.role.rank)
            .max()
            .unwrap_or(0)
    }

    /// A client by its client_id (the token subject).
    pub(crate) fn client_by_client_id(&self, client_id: &str) -> Option<&Client> {
        self.clients.iter().find(|c| c.client_id == client_id)
    }

    /// Position of a client by UUID or client_id.
    pub(crate) fn client_position(&self, id: &str) -> Option<usize> {
        self.clients
            .iter()
            .position(|c| c.id == id || c.client_id == id)
    }

    /// Rebuilds the sorted indexes if a change made them stale.
    pub(crate) fn ensure_indexes(&mut self) {
        if !self.indexes.dirty && self.indexes.sorted[0].len() == self.tenants.len() {
            return;
        }
        let tenants = &self.tenants;
        for order in Order::ALL {
            let mut slots: Vec<u32> = (0..tenants.len() as u32).collect();
            match order {
                Order::Id => slots.sort_by_key(|&s| tenants[s as usize].id),
                Order::Name => {
                    let lower: Vec<String> =
                        tenants.iter().map(|t| t.name.to_lowercase()).collect();
                    slots.sort_by(|&a, &b| {
                        lower[a as usize]
                            .cmp(&lower[b as usize])
                            .then(tenants[a as usize].id.cmp(&tenants[b as usize].id))
                    })
                }
                Order::CreatedAt => {
                    slots.sort_by_key(|&s| (tenants[s as usize].created_at, tenants[s as usize].id))
                }
                Order::UpdatedAt => {
                    slots.sort_by_key(|&s| (tenants[s as usize].updated_at, tenants[s as usize].id))
                }
            }
            let mut position = vec![0u32; slots.len()];
            for (pos, &slot) in slots.iter().enumerate() {
                position[slot as usize] = pos as u32;
            }
            self.indexes.sorted[order.index()] = slots;
            self.indexes.position[order.index()] = position;
        }
        self.indexes.parent_slot = tenants
            .iter()
            .map(|t| {
                t.parent
                    .and_then(|p| self.tenant_slot.get(&p))
                    .map_or(u32::MAX, |&s| s as u32)
            })
            .collect();
        self.indexes.dirty = false;
    }

    /// Whether the tenant in `slot` is one of `roots` or below one (call
    /// [`State::ensure_indexes`] first); a fast form of [`State::is_within`] for scans.
    pub(crate) fn slot_within(&self, slot: u32, roots: &[u32]) -> bool {
        let mut current = slot;
        for _ in 0..64 {
            if roots.contains(&current) {
                return true;
            }
            current = match self.indexes.parent_slot.get(current as usize) {
                Some(&p) if p != u32::MAX => p,
                _ => return false,
            };
        }
        false
    }

    /// Sorted slots and positions for `order` (call [`State::ensure_indexes`] first).
    pub(crate) fn order(&self, order: Order) -> (&[u32], &[u32]) {
        (
            &self.indexes.sorted[order.index()],
            &self.indexes.position[order.index()],
        )
    }

    /// A service by ID.
    pub(crate) fn service(&self, id: &str) -> Option<&PartnerService> {
        self.services.iter().find(|s| s.id == id)
    }

    /// JSON of a tenant, with every field of the schema's `Tenant` type.
    /// Parts whose names are not in `wanted` (when given) are left out: they are costly and
    /// the operation does not select them.
    pub(crate) fn tenant_json(
        &self,
        t: &Tenant,
        wanted: Option<&std::collections::HashSet<String>>,
    ) -> serde_json::Value {
        let want = |key: &str| wanted.is_none_or(|w| w.contains(key));
        use serde_json::json;
        let id = t.id.to_string();
        let time = |ms: i64| rfc3339(ms, false);
        let parent = t.parent.map(|p| p.to_string());
        let services: Vec<&PartnerService> = if want("services") {
            t.subscriptions
                .iter()
                .filter_map(|a| self.service(&a.service_id))
                .collect()
        } else {
            Vec::new()
        };
        let service_json = |s: &PartnerService| {
            json!({
                "id": s.id, "created_at": time(s.created_at), "updated_at": time(s.updated_at),
                "name": s.name, "description": s.description,
                "owner_tenant_id": s.owner_tenant_id.to_string(),
                "requires_present_ids": s.requires_present_ids.join(","),
                "requires_absent_ids": s.requires_absent_ids.join(","),
            })
        };
        let tenant_services: Vec<serde_json::Value> = t
            .subscriptions
            .iter()
            .filter(|_| want("granted_services") || want("all_services"))
            .filter_map(|a| self.service(&a.service_id).map(|s| (a, s)))
            .map(|(a, s)| {
                json!({
                    "id": a.id, "service_id": s.id, "name": s.name, "description": s.description,
                    "service_owner_id": s.owner_tenant_id.to_string(), "owned_by_partner": true,
                    "created_at": time(a.created_at), "updated_at": time(a.updated_at),
                    "requested_at": null, "granted_at": time(a.created_at), "revoked_at": null,
                    "requested_by": null,
                })
            })
            .collect();
        let partner_name = t
            .parent
            .filter(|_| want("partner_name"))
            .and_then(|p| self.tenant(p))
            .map(|p| p.name.clone());
        let labels: Vec<serde_json::Value> = t
            .labels
            .iter()
            .filter(|_| want("labels"))
            .map(|l| {
                json!({
                    "id": l.id, "tenant_id": id, "name": l.name, "value": l.value,
                    "owner_partner_tenant_id": l.owner_partner_tenant_id.map(|o| o.to_string()),
                })
            })
            .collect();
        let environments: Vec<serde_json::Value> = t
            .environments
            .iter()
            .filter(|_| want("environments"))
            .map(|e| {
                json!({
                    "id": format!("{id}-{}", e.name), "created_at": time(e.created_at),
                    "updated_at": time(e.updated_at), "tenant_id": id, "name": e.name,
                    "enabled": e.enabled,
                })
            })
            .collect();
        let subscriptions: Vec<serde_json::Value> = t
            .subscriptions
            .iter()
            .filter(|_| want("partnership"))
            .filter_map(|a| self.service(&a.service_id).map(|s| (a, s)))
            .map(|(a, s)| {
                json!({
                    "id": a.id, "service_id": s.id, "name": s.name,
                    "description": s.description, "created_at": time(a.created_at),
                    "updated_at": time(a.updated_at),
                })
            })
            .collect();
        let children: Vec<String> = if want("child_tenants") {
            t.children.iter().map(|c| c.to_string()).collect()
        } else {
            Vec::new()
        };
        let partnership = json!({
            "parent": parent,
            "is_partner": t.is_partner,
            "child_tenants": children,
            "subscriptions": subscriptions,
        });
        let services: Vec<serde_json::Value> = services.iter().map(|s| service_json(s)).collect();
        let mut out = json!({
            "id": id,
            "created_at": time(t.created_at),
            "updated_at": time(t.updated_at),
            "enabled": t.enabled(),
            "name": t.name,
            "name_normalized": t.name.to_lowercase(),
            "domain": t.domain,
            "domain_normalized": t.domain.as_ref().map(|d| d.to_lowercase()),
            "description": t.description,
            "allow_response_actions": t.allow_response_actions,
            "actions_approver": null,
            "expires_at": t.expires_at.map(time),
            "parent": parent,
            "partner": parent,
            "organization": null,
            "partner_name": partner_name,
            "organization_name": null,
            "is_partner": t.is_partner,
            "is_organization": false,
            "support_enabled": t.support_enabled,
        });
        let more = json!({
            "enabled_in_production": t.enabled_where(false),
            "enabled_in_pilot": t.enabled_where(true),
            "post_disablement_complete": false,
            "data_retention_months": t.data_retention_months,
            "mdr_provider_id": null,
            "is_mdr_provider": t.is_partner && t.mdr_provider_type == "TAEGIS_MDR",
            "labels": labels,
            "environments": environments,
            "services": services,
            "granted_services": tenant_services,
            "requested_services": [],
            "all_services": tenant_services,
            "partnership": partnership,
            "licenseLevel": t.license_level,
            "mdr_provider_type": t.mdr_provider_type,
        });
        if let (Some(a), serde_json::Value::Object(b)) = (out.as_object_mut(), more) {
            a.extend(b);
            if wanted.is_some() {
                a.retain(|k, _| want(k));
            }
        }
        out
    }

    /// JSON of a service.
    pub(crate) fn service_json(s: &PartnerService) -> serde_json::Value {
        serde_json::json!({
            "id": s.id, "created_at": rfc3339(s.created_at, false),
            "updated_at": rfc3339(s.updated_at, false), "name": s.name,
            "description": s.description, "owner_tenant_id": s.owner_tenant_id.to_string(),
            "requires_present_ids": s.requires_present_ids.join(","),
            "requires_absent_ids": s.requires_absent_ids.join(","),
        })
    }

    /// JSON of a client, with the deprecated snake_case fields and their camelCase successors.
    pub(crate) fn client_json(c: &Client) -> serde_json::Value {
        use serde_json::json;
        let time = |ms: i64| rfc3339(ms, true);
        let assignments: Vec<serde_json::Value> = c
            .roles
            .iter()
            .map(|a| {
                let tenant = a.tenant_id.to_string();
                let expires = a.expires_at.map(time);
                json!({
                    "id": a.id, "tenant_id": tenant, "tenantID": tenant,
                    "role_id": a.role.id, "roleID": a.role.id,
                    "role_name": a.role.name, "roleName": a.role.name,
                    "expires_at": expires, "expiresAt": expires,
                })
            })
            .collect();
        let mut summaries: Vec<&str> = c.roles.iter().map(|a| a.role.summary).collect();
        summaries.dedup();
        let tenant = c.tenant_id.to_string();
        let token_time = c.token_request_time.map(time);
        json!({
            "id": c.id, "name": c.name,
            "client_id": c.client_id, "clientID": c.client_id,
            "roles": summaries.join(","),
            "tenant_id": tenant, "tenantID": tenant,
            "ownerTenantID": c.owner_tenant_id.to_string(),
            "created_at": time(c.created_at), "createdAt": time(c.created_at),
            "updated_at": time(c.updated_at), "updatedAt": time(c.updated_at),
            "created_by": c.created_by, "createdBy": c.created_by,
            "updated_by": c.updated_by, "updatedBy": c.updated_by,
            "environment": "sandbox",
            "token_request_time": token_time, "tokenRequestTime": token_time,
            "token_request_count": c.token_request_count, "tokenRequestCount": c.token_request_count,
            "enabled": true,
            "role_assignments": assignments, "roleAssignments": assignments,
        })
    }
}
