//! Roles, permissions and portal sections: the role matrix of SPEC.md §1 as data.
//!
//! `ROLE_MATRIX` is the single source for the route guards (kassa-web), the left menu and the
//! permission-matrix tests. Changing who may do what means changing one row here.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A user's role in one store (Kustom's own set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    SuperAdmin,
    Admin,
    User,
    Settlement,
    Disputes,
    ReadOnly,
    Terminated,
    External,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::SuperAdmin,
        Role::Admin,
        Role::User,
        Role::Settlement,
        Role::Disputes,
        Role::ReadOnly,
        Role::Terminated,
        Role::External,
    ];

    /// The stable code stored in the database and used in forms and the CLI.
    pub fn code(self) -> &'static str {
        match self {
            Role::SuperAdmin => "super_admin",
            Role::Admin => "admin",
            Role::User => "user",
            Role::Settlement => "settlement",
            Role::Disputes => "disputes",
            Role::ReadOnly => "read_only",
            Role::Terminated => "terminated",
            Role::External => "external",
        }
    }

    fn column(self) -> usize {
        Role::ALL.iter().position(|r| *r == self).expect("every role is in ALL")
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}; expected one of super_admin, admin, user, settlement, disputes, read_only, terminated, external")]
pub struct UnknownRole(pub String);

/// Reads a stored role code (the database boundary).
impl TryFrom<String> for Role {
    type Error = UnknownRole;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.code() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// How a merchant came to the provider; it narrows what the roles may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Onboarding {
    Direct,
    /// A platform partner runs the integration and holds the API keys.
    Partner,
    /// Upgraded from Klarna: older orders, disputes and reports live in Klarna's portal.
    Migrated,
}

impl Onboarding {
    pub fn code(self) -> &'static str {
        match self {
            Onboarding::Direct => "direct",
            Onboarding::Partner => "partner",
            Onboarding::Migrated => "migrated",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown onboarding type {0:?}; expected direct, partner or migrated")]
pub struct UnknownOnboarding(pub String);

/// Reads a stored onboarding code (the database boundary).
impl TryFrom<String> for Onboarding {
    type Error = UnknownOnboarding;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl FromStr for Onboarding {
    type Err = UnknownOnboarding;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "direct" => Ok(Onboarding::Direct),
            "partner" => Ok(Onboarding::Partner),
            "migrated" => Ok(Onboarding::Migrated),
            other => Err(UnknownOnboarding(other.to_owned())),
        }
    }
}

/// Something a route may require. `SignedIn` is for pages every member has (Home, their own
/// account, preferences).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    SignedIn,
    ViewOrders,
    ManageOrders,
    ViewSettlements,
    ManageReports,
    Disputes,
    ManageUsers,
    ViewIntegrations,
    ManageIntegrations,
    ViewDeveloperLogs,
    ViewCompany,
    ManageCompany,
    ManageBankAccount,
    AssignSuperAdmin,
}

const Y: bool = true;
const N: bool = false;

/// SPEC.md §1, column for column: Super Admin, Admin, User, Settlement, Disputes, Read Only,
/// Terminated, External. "view" cells become a separate View permission row.
pub const ROLE_MATRIX: &[(Permission, [bool; 8])] = &[
    (Permission::SignedIn, [Y, Y, Y, Y, Y, Y, Y, Y]),
    (Permission::ViewOrders, [Y, Y, Y, Y, Y, Y, Y, Y]),
    (Permission::ManageOrders, [Y, Y, Y, N, N, N, N, Y]),
    (Permission::ViewSettlements, [Y, Y, N, Y, N, N, Y, Y]),
    (Permission::ManageReports, [Y, Y, N, Y, N, N, Y, Y]),
    (Permission::Disputes, [Y, Y, N, N, Y, N, Y, N]),
    (Permission::ManageUsers, [Y, Y, N, N, N, N, N, N]),
    (Permission::ViewIntegrations, [Y, Y, N, N, N, N, N, N]),
    (Permission::ManageIntegrations, [Y, Y, N, N, N, N, N, N]),
    (Permission::ViewDeveloperLogs, [Y, Y, Y, N, N, N, N, Y]),
    (Permission::ViewCompany, [Y, Y, N, Y, N, N, N, N]),
    (Permission::ManageCompany, [Y, Y, N, N, N, N, N, N]),
    (Permission::ManageBankAccount, [Y, N, N, N, N, N, N, N]),
    (Permission::AssignSuperAdmin, [Y, N, N, N, N, N, N, N]),
];

/// Whether `role` at a merchant onboarded as `onboarding` has `permission`.
pub fn allows(role: Role, onboarding: Onboarding, permission: Permission) -> bool {
    // A partner holds the merchant's keys: its staff may look at Integrations, not change it.
    if onboarding == Onboarding::Partner && permission == Permission::ManageIntegrations {
        return false;
    }
    ROLE_MATRIX
        .iter()
        .find(|(p, _)| *p == permission)
        .map(|(_, cells)| cells[role.column()])
        .unwrap_or(false)
}

/// The sections of the left menu, in menu order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Home,
    Orders,
    Settlements,
    Disputes,
    Users,
    Integrations,
    DeveloperLogs,
}

impl Section {
    pub const ALL: [Section; 7] = [
        Section::Home,
        Section::Orders,
        Section::Settlements,
        Section::Disputes,
        Section::Users,
        Section::Integrations,
        Section::DeveloperLogs,
    ];

    /// What a user needs to open the section.
    pub fn permission(self) -> Permission {
        match self {
            Section::Home => Permission::SignedIn,
            Section::Orders => Permission::ViewOrders,
            Section::Settlements => Permission::ViewSettlements,
            Section::Disputes => Permission::Disputes,
            Section::Users => Permission::ManageUsers,
            Section::Integrations => Permission::ViewIntegrations,
            Section::DeveloperLogs => Permission::ViewDeveloperLogs,
        }
    }

    /// Whether the section has been built. The menu never links to a section that does not
    /// exist yet; each section flips this when it lands.
    pub fn exists(self) -> bool {
        matches!(
            self,
            Section::Home
                | Section::Orders
                | Section::Settlements
                | Section::Disputes
                | Section::Users
                | Section::DeveloperLogs
                | Section::Integrations
        )
    }

    /// The sections `role` sees in the menu, in order.
    pub fn visible_to(role: Role, onboarding: Onboarding) -> Vec<Section> {
        Section::ALL
            .into_iter()
            .filter(|s| s.exists() && allows(role, onboarding, s.permission()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_codes_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.code().parse::<Role>(), Ok(role));
        }
        assert!("owner".parse::<Role>().is_err());
    }

    #[test]
    fn matrix_matches_spec_examples() {
        use Onboarding::Direct;
        assert!(allows(Role::User, Direct, Permission::ManageOrders));
        assert!(!allows(Role::ReadOnly, Direct, Permission::ManageOrders));
        assert!(allows(Role::Settlement, Direct, Permission::ViewSettlements));
        assert!(!allows(Role::Settlement, Direct, Permission::ManageCompany));
        assert!(allows(Role::Settlement, Direct, Permission::ViewCompany));
        assert!(allows(Role::Terminated, Direct, Permission::Disputes));
        assert!(!allows(Role::External, Direct, Permission::Disputes));
        assert!(allows(Role::SuperAdmin, Direct, Permission::AssignSuperAdmin));
        assert!(!allows(Role::Admin, Direct, Permission::AssignSuperAdmin));
    }

    #[test]
    fn every_permission_has_one_row() {
        let mut seen = std::collections::HashSet::new();
        for (p, _) in ROLE_MATRIX {
            assert!(seen.insert(*p), "{p:?} appears twice");
        }
        assert_eq!(seen.len(), 14);
    }

    #[test]
    fn partner_integrations_are_read_only() {
        assert!(allows(Role::Admin, Onboarding::Partner, Permission::ViewIntegrations));
        assert!(!allows(
            Role::Admin,
            Onboarding::Partner,
            Permission::ManageIntegrations
        ));
        assert!(allows(Role::Admin, Onboarding::Direct, Permission::ManageIntegrations));
    }

    #[test]
    fn menu_shows_only_built_sections() {
        for role in Role::ALL {
            let menu = Section::visible_to(role, Onboarding::Direct);
            assert!(menu.iter().all(|s| s.exists()));
            assert_eq!(menu.first(), Some(&Section::Home));
        }
    }
}
