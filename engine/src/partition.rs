//! AWS partitions: groups of Regions, each with its own, independent instance of IAM.
//!
//! "You cannot use IAM credentials from one partition to interact with resources in a different
//! partition" (AWS Fault Isolation Boundaries, *Partitions*:
//! <https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html>).
//! So a request whose caller and resource are in different partitions cannot happen, and a
//! principal in a policy names only callers of its own partition. The partition is the second
//! field of an ARN (IAM User Guide, *IAM identifiers* and *Amazon Resource Names*:
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html>). See
//! `docs/semantics.md`, "Partitions".

/// One partition: its ARN identifier and what it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Partition {
    /// The identifier in ARNs: `aws`, `aws-cn`, …
    pub id: &'static str,
    /// What it holds, for messages: `China Regions`.
    pub name: &'static str,
}

/// The documented partitions. The first three are listed on the ARN page; the isolated
/// (`aws-iso*`) and European Sovereign Cloud (`aws-eusc`) partitions appear in the AWS SDKs'
/// partition data and in the IAM page on cross-partition federation
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_outbound_cross_partition.html>).
pub const PARTITIONS: &[Partition] = &[
    Partition {
        id: "aws",
        name: "AWS Regions",
    },
    Partition {
        id: "aws-cn",
        name: "China Regions",
    },
    Partition {
        id: "aws-us-gov",
        name: "AWS GovCloud (US) Regions",
    },
    Partition {
        id: "aws-iso",
        name: "AWS ISO (US) Regions",
    },
    Partition {
        id: "aws-iso-b",
        name: "AWS ISOB (US) Regions",
    },
    Partition {
        id: "aws-iso-e",
        name: "AWS ISOE (Europe) Regions",
    },
    Partition {
        id: "aws-iso-f",
        name: "AWS ISOF Regions",
    },
    Partition {
        id: "aws-eusc",
        name: "AWS European Sovereign Cloud Regions",
    },
];

/// The partition with this ARN identifier, if it is a documented one.
pub fn find(id: &str) -> Option<&'static Partition> {
    PARTITIONS.iter().find(|p| p.id == id)
}

/// `aws-cn` (China Regions), or the identifier alone when it is not a documented partition.
pub fn describe(id: &str) -> String {
    match find(id) {
        Some(p) => format!("`{}` ({})", p.id, p.name),
        None => format!("`{id}`"),
    }
}

/// The partition a service principal name belongs to, when its DNS suffix says so: in the China
/// Regions some services are named `service.amazonaws.com.cn`. Names ending in `.amazonaws.com`
/// are used in every partition, so they say nothing.
pub fn of_service_principal(name: &str) -> Option<&'static str> {
    name.ends_with(".amazonaws.com.cn").then_some("aws-cn")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_partitions() {
        assert_eq!(PARTITIONS.len(), 8);
        assert_eq!(find("aws-cn").map(|p| p.name), Some("China Regions"));
        assert!(find("aws-mars").is_none());
        assert_eq!(
            describe("aws-us-gov"),
            "`aws-us-gov` (AWS GovCloud (US) Regions)"
        );
        assert_eq!(describe("x"), "`x`");
        assert_eq!(of_service_principal("ec2.amazonaws.com.cn"), Some("aws-cn"));
        assert_eq!(of_service_principal("ec2.amazonaws.com"), None);
    }
}
