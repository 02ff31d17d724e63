#!/usr/bin/python3
"""Reads the valgrind memcheck logs of a cluster that ran the memcheck suite
(one vg.<pid>.log per traced process) and fails on any error report.

valgrind runs with --error-markers=VALGRIND-ERROR-BEGIN,VALGRIND-ERROR-END,
so every report it did not suppress (test/memcheck/valgrind.supp and its
own default suppressions) is a marked block.  Every such block fails the
check: a report in PostgreSQL's code that is harmless belongs in the
suppression file, after reading it, so that a real error can never hide
among known ones.  A block with a stack frame in mlmon (mlmon.so, or a file
name of mlmon's sources when valgrind reads mlmon.so's debug information)
counts as an error in mlmon: the frame may be where the bad access
happened, or where the block it concerns, or an uninitialised value, was
allocated (--track-origins=yes).

Leaks are not checked (the suite runs valgrind with --leak-check=no): mlmon
allocates with palloc in PostgreSQL's memory contexts, which PostgreSQL frees
or resets as a whole, and never calls malloc in the server (its numerics
core allocates through palloc there).  The stock server (not built with
USE_VALGRIND) shows valgrind only the contexts' malloc'd blocks, which stay
reachable from their context until it is reset or deleted, so a leak report
cannot point at an mlmon palloc; a palloc in too long-lived a context is
invisible to valgrind.  With --leak-check=full every process of this suite
reports the same two "definitely lost" blocks, PostgreSQL's own and
inherited from the postmaster (PostmasterMain's strdup of its -D option,
save_ps_display_args' copy of the environment), and nothing else.

valgrind reports each distinct stack once per process: the counts are of
reports, except the suppressed ones, which valgrind counts per occurrence.

Also fails when a process did not end normally under valgrind (a fatal
signal, or no final summary: killed before it could write one).

Prints the counts: processes traced, errors in mlmon, other errors, errors
suppressed.  Usage: check_logs.py LOG_DIR MLMON_SOURCE_DIR"""
import glob
import os
import re
import sys

BEGIN, END = "VALGRIND-ERROR-BEGIN", "VALGRIND-ERROR-END"
PREFIX = re.compile(r"^==(\d+)== ?(.*)$")
FRAME = re.compile(r"^\s+(?:at|by) 0x[0-9A-Fa-f]+: (.*) \((.*)\)$")
SUMMARY = re.compile(r"ERROR SUMMARY: (\d+) errors from \d+ contexts \(suppressed: (\d+) from \d+\)")
FATAL = re.compile(r"Process terminating with default action of signal")


def mlmon_sources(src_dir):
    """Base names of mlmon's C sources and headers (frames of inlined header functions count)."""
    names = set()
    for pattern in ("*.c", "*.h", "core/*.c", "core/*.h"):
        names.update(os.path.basename(p) for p in glob.glob(os.path.join(src_dir, pattern)))
    return names


def is_mlmon_frame(line, sources):
    m = FRAME.match(line)
    if not m:
        return False
    where = m.group(2)
    if where.startswith("in "):  # no debug information: the object
        return os.path.basename(where[3:]) == "mlmon.so"
    path = where.rsplit(":", 1)[0]  # file:line, the full path with --fullpath-after=
    return os.path.basename(path) in sources


def read_log(path):
    """The error blocks, the final summary and the fatal-signal lines of one process's log."""
    blocks, block, summary, fatal = [], None, None, []
    with open(path, errors="replace") as f:
        for raw in f:
            m = PREFIX.match(raw.rstrip("\n"))
            if not m:  # the generated suppressions are printed without the prefix
                if block is not None:
                    block.append(raw.rstrip("\n"))
                continue
            text = m.group(2)
            if text == BEGIN:
                block = []
            elif text == END:
                if block is not None:
                    blocks.append(block)
                block = None
            elif block is not None:
                block.append(text)
            else:
                s = SUMMARY.search(text)
                if s:
                    summary = (int(s.group(1)), int(s.group(2)))
                elif FATAL.search(text):
                    fatal.append(text)
    if block is not None:  # the process ended inside a report
        blocks.append(block)
    return blocks, summary, fatal


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: " + __doc__.rsplit("Usage: ", 1)[1])
    log_dir, src_dir = sys.argv[1], sys.argv[2]
    sources = mlmon_sources(src_dir)
    if not sources:
        sys.exit(f"check_logs.py: no mlmon sources in {src_dir}")
    logs = sorted(glob.glob(os.path.join(log_dir, "vg.*.log")))
    if not logs:
        sys.exit(f"check_logs.py: no valgrind logs in {log_dir}: did the server run under valgrind?")
    in_mlmon = other = suppressed = 0
    problems = []
    for path in logs:
        name = os.path.basename(path)
        blocks, summary, fatal = read_log(path)
        for block in blocks:
            mlmon = any(is_mlmon_frame(line, sources) for line in block)
            if mlmon:
                in_mlmon += 1
            else:
                other += 1
            kind = "ERROR IN MLMON" if mlmon else "error (not in mlmon, not suppressed)"
            print(f"\n--- {name}: {kind}")
            print("\n".join(block).rstrip())
        for line in fatal:
            problems.append(f"{name}: {line}")
        if summary is None:
            problems.append(f"{name}: no ERROR SUMMARY: the process was killed before valgrind could finish")
        else:
            suppressed += summary[1]
    for p in problems:
        print(f"\n--- {p}")
    print(f"\nmemcheck: {len(logs)} processes traced, {in_mlmon} errors in mlmon code, "
          f"{other} other errors not covered by the suppressions, {suppressed} errors suppressed"
          f"{f', {len(problems)} processes ended abnormally' if problems else ''}")
    return 1 if in_mlmon or other or problems else 0


if __name__ == "__main__":
    sys.exit(main())
