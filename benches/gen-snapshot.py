#!/usr/bin/env python3
"""Writes a synthetic organisation snapshot for `ecrsim matrix` / `who-can` benchmarks.

Deterministic: the same arguments write the same bytes. Every file has exactly the shape of the
AWS CLI output the snapshot loader accepts (docs/snapshot.md):

  ACCOUNT/iam-page-N.json          aws iam get-account-authorization-details (paginated)
  prod/repositories.json           aws ecr describe-repositories
  prod/repository-policy-NAME.json aws ecr get-repository-policy (one per repository with a policy)
  prod/registry-policy.json        aws ecr get-registry-policy
  prod/registry-policy-scope.json  aws ecr get-account-setting --name REGISTRY_POLICY_SCOPE
  prod/tagged-repositories.json    aws resourcegroupstaggingapi get-resources (repository tags)
  organization/org.json + *.json   the organization file and describe-policy outputs (SCPs, RCP)

What it models: two accounts in an organization (`prod`, which holds the repositories and most
roles, and `ci`, whose roles push across accounts), teams owning repositories `TEAM/SERVICE`,
roles with a mix of inline policies, customer managed policies (some with tag conditions), AWS
managed policies (documents left out, as AWS's dump can: the bundled copies are used), and
permissions boundaries; a few users in groups; repository policies on a share of the
repositories (cross-account push for CI, partner pulls, delete guards); a registry policy; an OU
tree with region and delete SCPs and an RCP keeping ECR in the organization.

Usage: gen-snapshot.py OUT [--roles 2000] [--repositories 200] [--seed 1]
"""

import argparse
import json
import os
import random

PROD = "111100000001"
CI = "111100000002"
MANAGEMENT = "111100000000"
PARTNER = "222200000003"
ORG = "o-synthetic01"
# One Region: a registry policy belongs to one Region's registry (one Region per snapshot).
REGIONS = ["us-east-1"]
PULL = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
PUSH = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
]
AWS_MANAGED = [
    "AmazonEC2ContainerRegistryReadOnly",
    "AmazonEC2ContainerRegistryPowerUser",
    "AmazonEC2ContainerRegistryPullOnly",
]
DATE = "2025-01-01T00:00:00+00:00"


def write(path, value):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=1, sort_keys=False)
        f.write("\n")


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def repo_arn(region, account, name):
    return f"arn:aws:ecr:{region}:{account}:repository/{name}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--roles", type=int, default=2000)
    ap.add_argument("--repositories", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    out = args.out
    teams = [f"team{t:02d}" for t in range(max(2, args.repositories // 10))]

    # Repositories: TEAM/SERVICE, in one of the Regions.
    repositories = []
    for i in range(args.repositories):
        team = teams[i % len(teams)]
        name = f"{team}/svc{i:04d}"
        region = rnd.choice(REGIONS)
        repositories.append({"name": name, "team": team, "region": region})

    # Customer managed policies of the prod account.
    policies = []

    def managed(name, document, account=PROD):
        arn = f"arn:aws:iam::{account}:policy/{name}"
        policies.append(
            {
                "account": account,
                "value": {
                    "PolicyName": name,
                    "PolicyId": "ANPA" + f"{len(policies):016d}",
                    "Arn": arn,
                    "Path": "/",
                    "DefaultVersionId": "v2",
                    "AttachmentCount": 1,
                    "PermissionsBoundaryUsageCount": 0,
                    "IsAttachable": True,
                    "CreateDate": DATE,
                    "UpdateDate": DATE,
                    "PolicyVersionList": [
                        {"Document": doc({"Sid": "Old", "Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}),
                         "VersionId": "v1", "IsDefaultVersion": False, "CreateDate": DATE},
                        {"Document": document, "VersionId": "v2", "IsDefaultVersion": True, "CreateDate": DATE},
                    ],
                },
            }
        )
        return arn

    team_pull = {}
    team_push = {}
    for account in (PROD, CI):
        for team in teams:
            team_pull[(account, team)] = managed(
                f"{team}-ecr-pull",
                doc(
                    {"Sid": "Login", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
                    {"Sid": "Pull", "Effect": "Allow", "Action": PULL + ["ecr:DescribeImages", "ecr:ListImages"],
                     "Resource": f"arn:aws:ecr:*:{PROD}:repository/{team}/*"},
                ),
                account,
            )
            team_push[(account, team)] = managed(
                f"{team}-ecr-push",
                doc(
                    {"Sid": "Login", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
                    {"Sid": "Push", "Effect": "Allow", "Action": PUSH + PULL,
                     "Resource": f"arn:aws:ecr:*:{PROD}:repository/{team}/*"},
                    {"Sid": "NoProdTagPushOutsideTeam", "Effect": "Deny", "Action": "ecr:PutImage",
                     "Resource": "*",
                     "Condition": {"StringNotEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}},
                ),
                account,
            )
    tag_based = managed(
        "ecr-by-team-tag",
        doc(
            {"Sid": "Login", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
            {"Sid": "SameTeam", "Effect": "Allow", "Action": PUSH + PULL, "Resource": "*",
             "Condition": {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}},
        ),
    )
    misc = [
        managed(f"misc-{k:02d}", doc(
            {"Sid": "Logs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"},
            {"Sid": "Bucket", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
             "Resource": f"arn:aws:s3:::bucket-{k:02d}/*"},
            {"Sid": "Describe", "Effect": "Allow", "Action": "ecr:Describe*", "Resource": "*"},
        ))
        for k in range(20)
    ]
    boundaries = [
        managed("boundary-ecr-read", doc(
            {"Sid": "ReadOnly", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken", "ecr:Describe*", "ecr:List*"] + PULL,
             "Resource": "*"},
            {"Sid": "Other", "Effect": "Allow", "NotAction": ["ecr:*", "iam:*"], "Resource": "*"},
        )),
        managed("boundary-ecr-all", doc(
            {"Sid": "Ecr", "Effect": "Allow", "Action": "ecr:*", "Resource": "*"},
            {"Sid": "Other", "Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
        )),
    ]

    # Roles: 80 % in prod, 20 % in ci.
    roles = {PROD: [], CI: []}
    for r in range(args.roles):
        account = CI if r % 5 == 4 else PROD
        team = teams[rnd.randrange(len(teams))]
        kind = rnd.choice(["deploy", "ci", "svc", "svc", "read", "admin"])
        name = f"{team}-{kind}-{r:04d}"
        inline = []
        attached = []
        if kind in ("deploy", "ci"):
            attached.append(team_push[(account, team)])
        elif kind == "read":
            attached.append(team_pull[(account, team)])
        elif kind == "admin":
            attached.append("arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser")
        else:
            if rnd.random() < 0.5:
                attached.append(tag_based)
            else:
                attached.append("arn:aws:iam::aws:policy/" + rnd.choice(AWS_MANAGED))
        attached.extend(rnd.sample(misc, rnd.randrange(0, 3)))
        if rnd.random() < 0.6:
            mine = rnd.choice([rp for rp in repositories if rp["team"] == team] or repositories)
            inline.append({
                "PolicyName": "own-repo",
                "PolicyDocument": doc(
                    {"Sid": "OwnRepo", "Effect": "Allow", "Action": PUSH + PULL,
                     "Resource": repo_arn(mine["region"], PROD, mine["name"])},
                    {"Sid": "Login", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
                ),
            })
        if rnd.random() < 0.2:
            inline.append({
                "PolicyName": "no-deletes",
                "PolicyDocument": doc({"Sid": "NoDeletes", "Effect": "Deny",
                                       "Action": ["ecr:BatchDeleteImage", "ecr:DeleteRepository"], "Resource": "*"}),
            })
        role = {
            "Path": "/" if kind != "ci" else "/ci/",
            "RoleName": name,
            "RoleId": "AROA" + f"{r:016d}",
            "Arn": f"arn:aws:iam::{account}:role{'/ci/' if kind == 'ci' else '/'}{name}",
            "CreateDate": DATE,
            "AssumeRolePolicyDocument": doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                             "Action": "sts:AssumeRole"}),
            "InstanceProfileList": [],
            "RolePolicyList": inline,
            "AttachedManagedPolicies": [{"PolicyName": a.rsplit("/", 1)[1], "PolicyArn": a}
                                        for a in attached],
            "Tags": [{"Key": "team", "Value": team}, {"Key": "kind", "Value": kind}],
            "RoleLastUsed": {},
        }
        if account == PROD and rnd.random() < 0.3:
            boundary = rnd.choice(boundaries)
            role["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundary}
        roles[account].append(role)

    # A few users in groups (prod).
    groups = []
    for g, team in enumerate(teams[:10]):
        groups.append({
            "Path": "/", "GroupName": f"{team}-devs", "GroupId": "AGPA" + f"{g:016d}",
            "Arn": f"arn:aws:iam::{PROD}:group/{team}-devs", "CreateDate": DATE,
            "GroupPolicyList": [{"PolicyName": "describe", "PolicyDocument": doc(
                {"Sid": "Describe", "Effect": "Allow", "Action": "ecr:DescribeRepositories", "Resource": "*"})}],
            "AttachedManagedPolicies": [{"PolicyName": f"{team}-ecr-pull", "PolicyArn": team_pull[(PROD, team)]}],
        })
    users = []
    for u in range(max(1, args.roles // 100)):
        group = groups[u % len(groups)]
        user = {
            "Path": "/", "UserName": f"dev{u:03d}", "UserId": "AIDA" + f"{u:016d}",
            "Arn": f"arn:aws:iam::{PROD}:user/dev{u:03d}", "CreateDate": DATE,
            "UserPolicyList": [], "GroupList": [group["GroupName"]],
            "AttachedManagedPolicies": [], "Tags": [{"Key": "team", "Value": group["GroupName"][:-5]}],
        }
        if u % 3 == 0:
            user["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundaries[0]}
        users.append(user)

    # IAM dumps, paginated: 400 roles a page.
    def dump(account, folder):
        mine = [p["value"] for p in policies if p["account"] == account]
        lists = [("UserDetailList", users if account == PROD else []),
                 ("GroupDetailList", groups if account == PROD else []),
                 ("RoleDetailList", roles[account]),
                 ("Policies", mine)]
        pages = []
        current = {}
        size = 0
        for key, items in lists:
            for item in items:
                current.setdefault(key, []).append(item)
                size += 1
                if size == 400:
                    pages.append(current)
                    current, size = {}, 0
        if current or not pages:
            pages.append(current)
        for n, page in enumerate(pages):
            truncated = n + 1 < len(pages)
            page["IsTruncated"] = truncated
            if truncated:
                page["Marker"] = f"MARKER{n + 1:04d}"
            write(os.path.join(out, folder, f"iam-page-{n + 1:03d}.json"), page)

    dump(PROD, "prod")
    dump(CI, "ci")

    # ECR outputs of the prod account.
    write(os.path.join(out, "prod", "repositories.json"), {"repositories": [
        {"repositoryArn": repo_arn(rp["region"], PROD, rp["name"]), "registryId": PROD,
         "repositoryName": rp["name"], "repositoryUri": f"{PROD}.dkr.ecr.{rp['region']}.amazonaws.com/{rp['name']}",
         "createdAt": DATE, "imageTagMutability": "MUTABLE",
         "imageScanningConfiguration": {"scanOnPush": True},
         "encryptionConfiguration": {"encryptionType": "AES256"}}
        for rp in repositories]})
    write(os.path.join(out, "prod", "tagged-repositories.json"), {"ResourceTagMappingList": [
        {"ResourceARN": repo_arn(rp["region"], PROD, rp["name"]),
         "Tags": [{"Key": "team", "Value": rp["team"]}, {"Key": "env", "Value": rnd.choice(["prod", "dev"])}]}
        for rp in repositories]})
    for i, rp in enumerate(repositories):
        if i % 3 != 0:
            continue
        statements = [
            {"Sid": "CiPushes", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{CI}:root"},
             "Action": PUSH + PULL,
             "Condition": {"StringEquals": {"aws:PrincipalTag/team": rp["team"]}}},
            {"Sid": "GuardDeletes", "Effect": "Deny", "Principal": "*",
             "Action": ["ecr:BatchDeleteImage", "ecr:DeleteRepository"],
             "Condition": {"StringNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{PROD}:role/*-admin-*"}}},
        ]
        if i % 9 == 0:
            statements.append({"Sid": "PartnerPulls", "Effect": "Allow",
                               "Principal": {"AWS": PARTNER}, "Action": PULL[:2]})
        text = json.dumps(doc(*statements), indent=2)
        write(os.path.join(out, "prod", f"repository-policy-{rp['name'].replace('/', '-')}.json"),
              {"registryId": PROD, "repositoryName": rp["name"], "policyText": text})
    write(os.path.join(out, "prod", "registry-policy.json"), {"registryId": PROD, "policyText": json.dumps(doc(
        {"Sid": "ReplicationFromCi", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{CI}:root"},
         "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
         "Resource": f"arn:aws:ecr:*:{PROD}:repository/*"}), indent=2)})
    write(os.path.join(out, "prod", "registry-policy-scope.json"), {"name": "REGISTRY_POLICY_SCOPE", "value": "V2"})

    # The organization.
    def org_policy(file, name, kind, document):
        ptype = "SERVICE_CONTROL_POLICY" if kind == "scp" else "RESOURCE_CONTROL_POLICY"
        write(os.path.join(out, "organization", file), {"Policy": {"PolicySummary": {
            "Id": "p-" + name.lower()[:8], "Arn": f"arn:aws:organizations::{MANAGEMENT}:policy/{ORG}/{ptype.lower()}/p-{name.lower()[:8]}",
            "Name": name, "Description": name, "Type": ptype, "AwsManaged": False},
            "Content": json.dumps(document)}})
    org_policy("DenyRegions.json", "DenyRegions", "scp", doc(
        {"Sid": "TwoRegions", "Effect": "Deny", "Action": "ecr:*", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}}))
    org_policy("NoRepositoryDeletes.json", "NoRepositoryDeletes", "scp", doc(
        {"Sid": "NoDeletes", "Effect": "Deny", "Action": "ecr:DeleteRepository", "Resource": "*"},
        {"Sid": "Rest", "Effect": "Allow", "Action": "*", "Resource": "*"}))
    org_policy("KeepEcrInOrg.json", "KeepEcrInOrg", "rcp", doc(
        {"Sid": "OrgOnly", "Effect": "Deny", "Principal": "*", "Action": "ecr:*", "Resource": "*",
         "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG},
                       "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}}))
    write(os.path.join(out, "organization", "org.json"), {
        "id": ORG, "managementAccount": MANAGEMENT,
        "root": {"id": "r-syn1", "policies": {"rcps": ["KeepEcrInOrg.json"]}, "accounts": [MANAGEMENT],
                 "ous": [{"id": "ou-syn1-workload", "name": "Workloads",
                          "policies": {"scps": ["FullAWSAccess", "DenyRegions.json"]},
                          "accounts": [{"id": CI, "name": "ci"}],
                          "ous": [{"id": "ou-syn1-prod0001", "name": "Prod",
                                   "policies": {"scps": ["NoRepositoryDeletes.json"]},
                                   "accounts": [{"id": PROD, "name": "prod"}]}]}]}})


if __name__ == "__main__":
    main()
