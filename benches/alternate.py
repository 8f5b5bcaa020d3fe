#!/usr/bin/env python3
"""Runs shell commands in turn, RUNS rounds, and prints each one's median wall time.

    python3 benches/alternate.py RUNS "COMMAND" ["COMMAND" ...]

hyperfine runs all rounds of one command before the next; on a virtual machine whose speed
drifts over a minute, that compares moments as much as commands. Alternating puts every command
in every moment. One warm-up run of each command comes first.
"""
import statistics
import subprocess
import sys
import time


def main() -> None:
    runs, commands = int(sys.argv[1]), sys.argv[2:]
    times = {command: [] for command in commands}
    for command in commands:
        subprocess.run(command, shell=True, check=True)
    for _ in range(runs):
        for command in commands:
            start = time.perf_counter()
            subprocess.run(command, shell=True, check=True)
            times[command].append(time.perf_counter() - start)
    for command in commands:
        ms = sorted(t * 1e3 for t in times[command])
        print(f"median {statistics.median(ms):7.1f} ms  min {ms[0]:7.1f}  max {ms[-1]:7.1f}  {command}")


if __name__ == "__main__":
    main()
