#!/usr/bin/env python3
"""Writes the input files of the `ecrsim batch` throughput benchmarks (benches/README.md).

    python3 benches/gen-batch.py [OUT_DIR] [--lines N] [--request-only-lines M] [--mix MIX]

writes, deterministically (same arguments, same bytes):

  OUT_DIR/twelve.json         the motivating policy: twelve ECR actions on one repository
  OUT_DIR/with-policy.jsonl   N lines (default 100,000), each carrying that policy and a request
  OUT_DIR/request-only.jsonl  M lines (default 1,000,000), requests only, for
                              `ecrsim batch --identity-policy OUT_DIR/twelve.json`

MIX chooses the requests:
  realistic (default)  70 % allowed (a granted action on the repository, half of them with a
                       caller), 30 % implicitly denied (another repository, an action the policy
                       does not list, or docker login's ecr:GetAuthorizationToken on "*")
  allow                every request allowed
The random numbers come from a fixed xorshift generator, not from Python's `random`.
"""

import json
import os
import sys

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
UNLISTED = ["ecr:BatchDeleteImage", "ecr:DeleteRepository", "ecr:TagResource"]
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "PushPullMyAppRepo",
            "Effect": "Allow",
            "Action": TWELVE,
            "Resource": REPO,
        }
    ],
}


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


def request(rng, mix):
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
    mix = "realistic"
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == "--lines":
            lines = int(args.pop(0))
        elif arg == "--request-only-lines":
            request_only = int(args.pop(0))
        elif arg == "--mix":
            mix = args.pop(0)
            if mix not in ("realistic", "allow"):
                sys.exit(f"unknown mix {mix!r}: realistic or allow")
        elif arg.startswith("-"):
            sys.exit(__doc__)
        else:
            out_dir = arg
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "twelve.json"), "w") as f:
        f.write(json.dumps(POLICY, indent=4) + "\n")
    policy = compact(POLICY)
    rng = XorShift(0x5EED)
    with open(os.path.join(out_dir, "with-policy.jsonl"), "w") as f:
        for i in range(1, lines + 1):
            f.write(f'{{"id":{i},"identityPolicies":[{policy}],"request":{compact(request(rng, mix))}}}\n')
    rng = XorShift(0xB47C4)
    with open(os.path.join(out_dir, "request-only.jsonl"), "w") as f:
        for i in range(1, request_only + 1):
            f.write(f'{{"id":{i},"request":{compact(request(rng, mix))}}}\n')
    print(f"wrote {out_dir}/twelve.json, with-policy.jsonl ({lines} lines), request-only.jsonl ({request_only} lines), mix {mix}")


if __name__ == "__main__":
    main(sys.argv[1:])
