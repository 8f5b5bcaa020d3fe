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
pub(crate) struct Partition {
    /// The identifier in ARNs: `aws`, `aws-cn`, …
    pub id: &'static str,
    /// What it holds, for messages: `China Regions`.
    pub name: &'static str,
    /// Its Regions, as they appear in the region field of an ARN.
    pub regions: &'static [&'static str],
}

impl Partition {
    /// A row of [`PARTITIONS`].
    const fn new(
        id: &'static str,
        name: &'static str,
        regions: &'static [&'static str],
    ) -> Partition {
        Partition { id, name, regions }
    }
}

/// The documented partitions. The first three are listed on the ARN page; the isolated
/// (`aws-iso*`) and European Sovereign Cloud (`aws-eusc`) partitions appear in the AWS SDKs'
/// partition data and in the IAM page on cross-partition federation
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_outbound_cross_partition.html>).
///
/// The Regions of each are the AWS General Reference's table of Region codes
/// (<https://docs.aws.amazon.com/general/latest/gr/rande.html>) and, for the isolated and
/// sovereign partitions, the AWS SDKs' partition data. A Region missing here makes a request on
/// it an error (never a silent decision): add it when AWS opens it.
pub(crate) const PARTITIONS: &[Partition] = &[
    Partition {
        id: "aws",
        name: "AWS Regions",
        regions: &[
            "us-east-1",
            "us-east-2",
            "us-west-1",
            "us-west-2",
            "af-south-1",
            "ap-east-1",
            "ap-east-2",
            "ap-south-1",
            "ap-south-2",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-southeast-3",
            "ap-southeast-4",
            "ap-southeast-5",
            "ap-southeast-6",
            "ap-southeast-7",
            "ap-northeast-1",
            "ap-northeast-2",
            "ap-northeast-3",
            "ca-central-1",
            "ca-west-1",
            "eu-central-1",
            "eu-central-2",
            "eu-west-1",
            "eu-west-2",
            "eu-west-3",
            "eu-south-1",
            "eu-south-2",
            "eu-north-1",
            "il-central-1",
            "me-south-1",
            "me-central-1",
            "mx-central-1",
            "sa-east-1",
        ],
    },
    Partition::new("aws-cn", "China Regions", &["cn-north-1", "cn-northwest-1"]),
    Partition::new(
        "aws-us-gov",
        "AWS GovCloud (US) Regions",
        &["us-gov-east-1", "us-gov-west-1"],
    ),
    Partition::new(
        "aws-iso",
        "AWS ISO (US) Regions",
        &["us-iso-east-1", "us-iso-west-1"],
    ),
    Partition::new(
        "aws-iso-b",
        "AWS ISOB (US) Regions",
        &["us-isob-east-1", "us-isob-west-1"],
    ),
    Partition::new(
        "aws-iso-e",
        "AWS ISOE (Europe) Regions",
        &["eu-isoe-west-1"],
    ),
    Partition::new(
        "aws-iso-f",
        "AWS ISOF Regions",
        &["us-isof-east-1", "us-isof-south-1"],
    ),
    Partition::new(
        "aws-eusc",
        "AWS European Sovereign Cloud Regions",
        &["eusc-de-east-1"],
    ),
];

/// Whether `region` is a Region of the partition `id` (false for an unknown partition).
#[cfg(test)]
pub(crate) fn has_region(id: &str, region: &str) -> bool {
    find(id).is_some_and(|p| p.regions.contains(&region))
}

/// The partition that has `region`, if any.
pub(crate) fn of_region(region: &str) -> Option<&'static Partition> {
    PARTITIONS.iter().find(|p| p.regions.contains(&region))
}

/// The partition with this ARN identifier, if it is a documented one.
pub(crate) fn find(id: &str) -> Option<&'static Partition> {
    PARTITIONS.iter().find(|p| p.id == id)
}

/// `aws-cn` (China Regions), or the identifier alone when it is not a documented partition.
pub(crate) fn describe(id: &str) -> String {
    match find(id) {
        Some(p) => format!("`{}` ({})", p.id, p.name),
        None => format!("`{id}`"),
    }
}

/// The partition a service principal name belongs to, when its DNS suffix says so: in the China
/// Regions some services are named `service.amazonaws.com.cn`. Names ending in `.amazonaws.com`
/// are used in every partition, so they say nothing.
pub(crate) fn of_service_principal(name: &str) -> Option<&'static str> {
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
        assert!(has_region("aws", "eu-west-1"));
        assert!(!has_region("aws", "cn-north-1"));
        assert!(has_region("aws-cn", "cn-north-1"));
        assert!(!has_region("aws", "us-east-9"));
        assert_eq!(of_region("us-gov-west-1").map(|p| p.id), Some("aws-us-gov"));
        assert_eq!(
            describe("aws-us-gov"),
            "`aws-us-gov` (AWS GovCloud (US) Regions)"
        );
        assert_eq!(describe("x"), "`x`");
        assert_eq!(of_service_principal("ec2.amazonaws.com.cn"), Some("aws-cn"));
        assert_eq!(of_service_principal("ec2.amazonaws.com"), None);
    }
}
