//! An organization's policies for one request: the SCP levels of the caller's account and the RCP
//! levels of the resource's account (AWS Organizations user guide, *SCP evaluation*:
//! <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html>,
//! and *RCP evaluation*:
//! <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_evaluation.html>).
//! The context keys the organization fills (`aws:PrincipalOrgID`, …) are derived from the
//! request's [`crate::model::organization::OrgScope`] by `crate::request::assume::assumptions`.

use crate::eval::authorize::{PolicyRole, PolicySet, PolicySetError};
use crate::model::organization::Organization;

/// Where the organization's levels came from, for the caller to report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrgLevels {
    /// One label per SCP level added (`root`, `OU Workloads`, `account 111122223333`); empty when
    /// the caller's account is not in the organization.
    pub scp_levels: Vec<String>,
    /// One label per RCP level added. Only levels with RCPs besides `RCPFullAWSAccess` (which
    /// allows everything) are added.
    pub rcp_levels: Vec<String>,
}

/// Adds to `set` one SCP level per node on the caller's account path (root → OUs → account) and
/// one RCP level per node on the resource's account path that has RCPs. An account outside the
/// organization adds nothing: SCPs limit only its members' principals, RCPs only its members'
/// resources.
pub fn add_org_levels(
    org: &Organization,
    set: &mut PolicySet,
    caller_account: Option<&str>,
    resource_account: Option<&str>,
) -> Result<OrgLevels, PolicySetError> {
    let mut levels = OrgLevels::default();
    if let Some(path) = caller_account.and_then(|a| org.path(a)) {
        for (level, node) in path.iter().enumerate() {
            set.add_level(PolicyRole::Scp(level), node.scps.clone())?;
            set.set_origin(PolicyRole::Scp(level), node.to_ref());
            levels.scp_levels.push(node.label());
        }
    }
    if let Some(path) = resource_account.and_then(|a| org.path(a)) {
        for (level, node) in path.iter().enumerate() {
            if !node.rcps.is_empty() {
                set.add_level(PolicyRole::Rcp(level), node.rcps.clone())?;
                set.set_origin(PolicyRole::Rcp(level), node.to_ref());
                levels.rcp_levels.push(node.label());
            }
        }
    }
    Ok(levels)
}
