#!/usr/bin/env python3
"""Reads `ecrsim test --format junit` output with junitparser, the parser CI tools build on, and
checks what a CI dashboard would show: the expected number of test cases and no failure.

Usage: check_junit.py REPORT.xml EXPECTED_CASES
"""
import sys

from junitparser import Error, Failure, JUnitXml


def main() -> int:
    path, expected = sys.argv[1], int(sys.argv[2])
    xml = JUnitXml.fromfile(path)
    cases = []
    for suite in xml:
        assert suite.name.endswith("cases.toml"), f"suite name {suite.name!r}"
        for case in suite:
            assert case.classname and case.name, f"unnamed case in {suite.name}"
            cases.append(case)
            for result in case.result:
                if isinstance(result, (Failure, Error)):
                    print(f"FAILED {case.classname}/{case.name}: {result.message}")
                    return 1
    assert len(cases) == expected, f"{len(cases)} test cases, expected {expected}"
    assert xml.tests == expected, f"testsuites tests={xml.tests}, expected {expected}"
    assert xml.failures == 0 and xml.errors == 0, f"failures={xml.failures} errors={xml.errors}"
    print(f"junitparser read {len(cases)} passing test cases in {len(list(xml))} suites")
    return 0


if __name__ == "__main__":
    sys.exit(main())
