//! An AWS Organizations organization as data: the root, the OUs (named, nested), the accounts,
//! the management account, and the SCPs and RCPs attached at each of them.
//!
//! An account's *path* is the list of nodes from the root down to the account: the SCP levels of
//! a caller and the RCP levels of a resource are the policies attached along its account's path
//! (AWS Organizations user guide, *SCP evaluation*:
//! <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html>).
//! The file format is in `docs/organization.md`; it is read by [`crate::parse::organization`].

use crate::model::policy::Policy;

/// An organization.
#[derive(Clone, Debug, Default)]
pub struct Organization {
    /// `o-…`.
    pub id: String,
    /// The management account, if the file names it.
    pub management_account: Option<String>,
    /// The root and everything under it.
    pub root: Node,
}

/// What a node of the organization is.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub enum NodeKind {
    /// The root (`r-…`).
    #[default]
    Root,
    /// An organizational unit (`ou-…`), with its name.
    Unit(String),
    /// A member (or the management) account.
    Account,
}

/// The root, an OU or an account, with the policies attached to it.
#[derive(Clone, Debug, Default)]
pub struct Node {
    /// `r-…`, `ou-…` or the 12-digit account id.
    pub id: String,
    /// What it is.
    pub kind: NodeKind,
    /// The SCPs attached to it (never empty: a node the file gives no SCPs has `FullAWSAccess`).
    pub scps: Vec<Policy>,
    /// The RCPs attached to it besides `RCPFullAWSAccess`, which is attached everywhere.
    pub rcps: Vec<Policy>,
    /// The OUs and accounts under it (none for an account).
    pub children: Vec<Node>,
}

impl Node {
    /// How the explanation names the node: `root`, `OU Workloads`, `account 111122223333`.
    pub(crate) fn label(&self) -> String {
        self.to_ref().label()
    }

    /// The node without its policies and children: where a level's policies are attached.
    pub(crate) fn to_ref(&self) -> NodeRef {
        NodeRef {
            id: self.id.clone(),
            kind: self.kind.clone(),
        }
    }
}

/// Where an organization level's policies are attached: the root, an OU or an account.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NodeRef {
    /// `r-…`, `ou-…` or the 12-digit account id.
    pub id: String,
    /// What it is (an OU with its name).
    pub kind: NodeKind,
}

impl NodeRef {
    /// `root`, `OU Workloads`, `account 111122223333`.
    pub fn label(&self) -> String {
        match &self.kind {
            NodeKind::Root => "root".to_string(),
            NodeKind::Unit(name) => format!("OU {name}"),
            NodeKind::Account => format!("account {}", self.id),
        }
    }
}

impl Organization {
    /// The nodes from the root down to `account` (the account last), if it is in the
    /// organization.
    pub(crate) fn path(&self, account: &str) -> Option<Vec<&Node>> {
        fn walk<'a>(node: &'a Node, account: &str, path: &mut Vec<&'a Node>) -> bool {
            path.push(node);
            if node.kind == NodeKind::Account && node.id == account {
                return true;
            }
            for child in &node.children {
                if walk(child, account, path) {
                    return true;
                }
            }
            path.pop();
            false
        }
        let mut path = Vec::new();
        walk(&self.root, account, &mut path).then_some(path)
    }

    /// The account's organization path as `aws:PrincipalOrgPaths` and `aws:ResourceOrgPaths`
    /// write it: `o-…/r-…/ou-…/` down to the OU that holds the account (IAM User Guide, *AWS
    /// global condition context keys*, aws:PrincipalOrgPaths:
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgpaths>).
    pub(crate) fn org_path(&self, account: &str) -> Option<String> {
        let path = self.path(account)?;
        let mut out = format!("{}/", self.id);
        for node in path.iter().filter(|n| n.kind != NodeKind::Account) {
            out.push_str(&node.id);
            out.push('/');
        }
        Some(out)
    }

    /// Whether `account` is in the organization.
    pub(crate) fn contains(&self, account: &str) -> bool {
        self.path(account).is_some()
    }
}

/// What ecrsim knows of the organizations around a request: the management account (given
/// alone, or from an organization file) and the organization, if a file gave it.
#[derive(Clone, Debug, Default)]
pub struct OrgScope {
    /// The management account: SCPs do not apply to its principals, RCPs not to its resources.
    pub management_account: Option<String>,
    /// The organization, from an organization file.
    pub organization: Option<Organization>,
}

impl OrgScope {
    /// The organization id and path of `account`, if the organization file has it.
    pub(crate) fn keys_of(&self, account: &str) -> Option<(String, String)> {
        let org = self.organization.as_ref()?;
        Some((org.id.clone(), org.org_path(account)?))
    }

    /// Whether `account` is the management account.
    pub(crate) fn is_management(&self, account: &str) -> bool {
        self.management_account.as_deref() == Some(account)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: &str) -> Node {
        Node {
            id: id.to_string(),
            kind: NodeKind::Account,
            ..Node::default()
        }
    }

    fn org() -> Organization {
        Organization {
            id: "o-abc".into(),
            management_account: Some("999999999999".into()),
            root: Node {
                id: "r-ab12".into(),
                kind: NodeKind::Root,
                children: vec![
                    account("999999999999"),
                    Node {
                        id: "ou-ab12-11111111".into(),
                        kind: NodeKind::Unit("Workloads".into()),
                        children: vec![Node {
                            id: "ou-ab12-22222222".into(),
                            kind: NodeKind::Unit("Prod".into()),
                            children: vec![account("111122223333")],
                            ..Node::default()
                        }],
                        ..Node::default()
                    },
                ],
                ..Node::default()
            },
        }
    }

    #[test]
    fn an_account_path_runs_from_the_root_through_each_ou_to_the_account() {
        let org = org();
        let labels: Vec<String> = org
            .path("111122223333")
            .unwrap()
            .iter()
            .map(|n| n.label())
            .collect();
        assert_eq!(
            labels,
            ["root", "OU Workloads", "OU Prod", "account 111122223333"]
        );
        assert_eq!(
            org.org_path("111122223333").as_deref(),
            Some("o-abc/r-ab12/ou-ab12-11111111/ou-ab12-22222222/")
        );
        assert_eq!(
            org.org_path("999999999999").as_deref(),
            Some("o-abc/r-ab12/")
        );
        assert_eq!(org.path("444455556666").map(|p| p.len()), None);
    }
}
