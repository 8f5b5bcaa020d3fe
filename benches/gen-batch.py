#!/usr/bin/env python3
"""Writes the input files of the `ecrsim batch` throughput benchmarks (benches/README.md).

    python3 benches/gen-batch.py [OUT_DIR] [--lines N] [--request-only-lines M] [--mix MIX]

writes, deterministically (same arguments, same bytes):

  OUT_DIR/twelve.json         the policy of the lines: for every mix but `conditions`, the
                              motivating policy corpus/examples/ecr-login/policy.json (twelve ECR
                              actions on one repository)
  OUT_DIR/with-policy.jsonl   N lines (default 100,000), each carrying that policy and a request
  OUT_DIR/request-only.jsonl  M lines (default 1,000,000), requests only, for
                              `ecrsim batch --identity-policy OUT_DIR/twelve.json`

MIX chooses the requests:
  motivating (default) one third allowed, two thirds denied, in a random order: ecr:PutImage on
                       the policy's repository (allowed), docker login's
                       ecr:GetAuthorizationToken on "*" (denied: the motivating case), and
                       ecr:PutImage on another repository (denied)
  realistic            70 % allowed (a granted action on the repository, half of them with a
                       caller), 30 % implicitly denied (one of 1,000 other repositories, an
                       action the policy does not list, or docker login)
  allow                every request allowed (a granted action on the repository, half of
                       them with a caller)
  conditions           a policy of seven statements with conditions (IP ranges, MFA, tags,
                       dates, secure transport, the caller's name in the ARN), and requests
                       whose context varies on every line, so few lines repeat a request
  conditions-distinct  the same requests, and on every line its own copy of that policy with
                       one IP range changed (10.X.Y.0/24 from the line number), so no two lines
                       carry the same document: every line's eight conditions are read,
                       validated and compiled (the request-only file is that of `conditions`)
The random numbers come from a fixed xorshift generator, not from Python's `random`.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MOTIVATING = os.path.join(HERE, "..", "corpus", "examples", "ecr-login", "policy.json")

ACCOUNT = "123456789012"
REPO = f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/my-app-repo"
TWELVE = [
    "ecr:GetAuthorizationToken",
    "ecr:BatchCheckLayerAvailability",
    "ecr:GetDownloadUrlForLayer",
    "ecr:GetRepositoryPolicy",
    "ecr:DescribeRepositories",
    "ecr:ListImages",
    "ecr:DescribeImages",
    "ecr:BatchGetImage",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
]
REPOSITORY_ACTIONS = TWELVE[1:]
OTHER_REPO = f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/other-app"
CONDITIONS = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "PushFromOffice",
            "Effect": "Allow",
            "Action": ["ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload"],
            "Resource": REPO,
            "Condition": {
                "IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "198.51.100.0/24"]},
                "Bool": {"aws:SecureTransport": "true"},
            },
        },
        {
            "Sid": "PullWithMfa",
            "Effect": "Allow",
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
            "Resource": "arn:aws:ecr:us-east-1:123456789012:repository/*",
            "Condition": {
                "Bool": {"aws:MultiFactorAuthPresent": "true"},
                "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
            },
        },
        {
            "Sid": "OwnRepository",
            "Effect": "Allow",
            "Action": "ecr:*",
            "Resource": "arn:aws:ecr:us-east-1:123456789012:repository/${aws:username}-*",
        },
        {
            "Sid": "TeamTagged",
            "Effect": "Allow",
            "Action": ["ecr:DescribeImages", "ecr:ListImages"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}},
        },
        {
            "Sid": "Login",
            "Effect": "Allow",
            "Action": "ecr:GetAuthorizationToken",
            "Resource": "*",
            "Condition": {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
        },
        {
            "Sid": "NoDeleteOutsideHours",
            "Effect": "Deny",
            "Action": ["ecr:BatchDeleteImage", "ecr:DeleteRepository"],
            "Resource": "*",
            "Condition": {"StringNotLike": {"aws:PrincipalTag/role": ["admin", "release-*"]}},
        },
        {
            "Sid": "OnlyFromVpc",
            "Effect": "Deny",
            "Action": "ecr:*",
            "Resource": "*",
            "Condition": {"StringNotEqualsIfExists": {"aws:SourceVpc": ["vpc-1a2b3c", "vpc-4d5e6f"]}},
        },
    ],
}
UNLISTED = ["ecr:BatchDeleteImage", "ecr:DeleteRepository", "ecr:TagResource"]
class XorShift:
    def __init__(self, seed):
        self.state = seed & 0xFFFFFFFFFFFFFFFF or 1

    def next(self, bound):
        x = self.state
        x ^= (x << 13) & 0xFFFFFFFFFFFFFFFF
        x ^= x >> 7
        x ^= (x << 17) & 0xFFFFFFFFFFFFFFFF
        self.state = x
        return x % bound


def motivating(rng):
    roll = rng.next(3)
    if roll == 0:
        return {"action": "ecr:PutImage", "resource": REPO}
    if roll == 1:
        return {"action": "ecr:GetAuthorizationToken", "resource": "*"}
    return {"action": "ecr:PutImage", "resource": OTHER_REPO}


def with_conditions(rng):
    user = f"dev-{rng.next(20)}"
    actions = ["ecr:PutImage", "ecr:BatchGetImage", "ecr:DescribeImages", "ecr:GetAuthorizationToken", "ecr:BatchDeleteImage"]
    action = actions[rng.next(len(actions))]
    resource = "*" if action == "ecr:GetAuthorizationToken" else [REPO, f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/{user}-tools"][rng.next(2)]
    context = {
        "aws:SourceIp": f"{[203, 198, 192][rng.next(3)]}.{[0, 51, 168][rng.next(3)]}.{rng.next(256)}.{rng.next(256)}",
        "aws:SecureTransport": ["true", "false"][rng.next(4) == 0],
        "aws:MultiFactorAuthPresent": ["true", "false"][rng.next(3) == 0],
        "aws:MultiFactorAuthAge": str(rng.next(7200)),
        "aws:PrincipalTag/team": ["build", "web", "data"][rng.next(3)],
        "aws:ResourceTag/team": ["build", "web", "data"][rng.next(3)],
        "aws:PrincipalTag/role": ["admin", "release-eu", "dev"][rng.next(3)],
        "aws:CurrentTime": f"2026-0{1 + rng.next(9)}-1{rng.next(10)}T12:00:00Z",
    }
    if rng.next(2):
        context["aws:SourceVpc"] = ["vpc-1a2b3c", "vpc-999"][rng.next(2)]
    return {
        "principal": f"arn:aws:iam::{ACCOUNT}:user/{user}",
        "action": action,
        "resource": resource,
        "context": context,
    }


def request(rng, mix):
    if mix == "motivating":
        return motivating(rng)
    if mix in ("conditions", "conditions-distinct"):
        return with_conditions(rng)
    roll = 0 if mix == "allow" else rng.next(100)
    if roll < 70:
        req = {"action": REPOSITORY_ACTIONS[rng.next(len(REPOSITORY_ACTIONS))], "resource": REPO}
        if rng.next(2):
            req = {"principal": f"arn:aws:iam::{ACCOUNT}:user/dev-{rng.next(50)}", **req}
        return req
    if roll < 85:
        other = f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/team-{rng.next(1000)}"
        return {"action": REPOSITORY_ACTIONS[rng.next(len(REPOSITORY_ACTIONS))], "resource": other}
    if roll < 95:
        return {"action": UNLISTED[rng.next(len(UNLISTED))], "resource": REPO}
    return {"action": "ecr:GetAuthorizationToken", "resource": "*"}


def compact(value):
    return json.dumps(value, separators=(",", ":"))


def main(argv):
    out_dir = "target/batch-bench"
    lines = 100_000
    request_only = 1_000_000
    mix = "motivating"
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == "--lines":
            lines = int(args.pop(0))
        elif arg == "--request-only-lines":
            request_only = int(args.pop(0))
        elif arg == "--mix":
            mix = args.pop(0)
            if mix not in ("motivating", "realistic", "allow", "conditions", "conditions-distinct"):
                sys.exit(f"unknown mix {mix!r}: motivating, realistic, allow, conditions or conditions-distinct")
        elif arg.startswith("-"):
            sys.exit(__doc__)
        else:
            out_dir = arg
    os.makedirs(out_dir, exist_ok=True)
    if mix in ("conditions", "conditions-distinct"):
        document = CONDITIONS
    else:
        with open(MOTIVATING) as f:
            document = json.load(f)
    with open(os.path.join(out_dir, "twelve.json"), "w") as f:
        f.write(json.dumps(document, indent=4) + "\n")
    policy = compact(document)
    rng = XorShift(0x5EED)
    with open(os.path.join(out_dir, "with-policy.jsonl"), "w") as f:
        for i in range(1, lines + 1):
            if mix == "conditions-distinct":
                own = policy.replace("203.0.113.0/24", f"10.{i // 256 % 256}.{i % 256}.0/24")
            else:
                own = policy
            f.write(f'{{"id":{i},"identityPolicies":[{own}],"request":{compact(request(rng, mix))}}}\n')
    rng = XorShift(0xB47C4)
    with open(os.path.join(out_dir, "request-only.jsonl"), "w") as f:
        for i in range(1, request_only + 1):
            f.write(f'{{"id":{i},"request":{compact(request(rng, mix))}}}\n')
    print(f"wrote {out_dir}/twelve.json, with-policy.jsonl ({lines} lines), request-only.jsonl ({request_only} lines), mix {mix}")


if __name__ == "__main__":
    main(sys.argv[1:])
