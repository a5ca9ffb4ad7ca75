#!/usr/bin/python3
"""Writes the code blocks of README.md and docs/*.md into a CMake project,
so that a test builds them as a user would copy them.

    extract_snippets.py <source dir> <project dir>

Every ```cpp, ```cmake and ```proto block must follow a marker line:

    <!-- snippet: main.cc -->            the block is the file main.cc
    <!-- snippet: skip (why) -->         the block is not compiled

README.md's blocks make the project (its CMakeLists.txt, protos and
sources). C++ blocks of docs/ become docs_*.cc files, compiled (not
linked) with the settings of the project's first executable, each a
whole translation unit. Fails, naming the file and line, on an unmarked
block, a duplicate name or a README without a CMakeLists.txt block.
"""

import glob
import os
import re
import sys

CHECKED = {"cpp", "c++", "cmake", "proto"}
MARKER = re.compile(r"^\s*<!--\s*snippet:\s*(.+?)\s*-->\s*$")
FENCE = re.compile(r"^(\s*)```\s*([\w+-]*)")


def blocks(path):
    """(line number, info string, marker or None, text) of each fenced block."""
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start = i
        marker = None
        if i > 0:
            mm = MARKER.match(lines[i - 1])
            marker = mm.group(1) if mm else None
        indent = len(m.group(1))
        j = i + 1
        while j < len(lines) and not lines[j].lstrip().startswith("```"):
            j += 1
        if j == len(lines):
            raise SystemExit("%s:%d: code block is never closed" % (path, start + 1))
        body = [line[indent:] if line[:indent].isspace() else line for line in lines[i + 1:j]]
        yield start + 1, m.group(2).lower(), marker, "\n".join(body) + "\n"
        i = j + 1


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    source, project = sys.argv[1], sys.argv[2]
    os.makedirs(project, exist_ok=True)
    files = {}
    docs_sources = []
    errors = []
    readme = os.path.join(source, "README.md")
    documents = [readme] + sorted(glob.glob(os.path.join(source, "docs", "*.md")))
    for path in documents:
        rel = os.path.relpath(path, source)
        for line, info, marker, text in blocks(path):
            if info not in CHECKED:
                continue
            where = "%s:%d" % (rel, line)
            if marker is None:
                errors.append("%s: ```%s block without a <!-- snippet: NAME --> or "
                              "<!-- snippet: skip (why) --> line before it" % (where, info))
                continue
            if marker.startswith("skip"):
                continue
            name = marker
            if path != readme:
                if info not in ("cpp", "c++"):
                    errors.append("%s: only C++ blocks of docs/ can be compiled (named %s)" % (where, name))
                    continue
                name = "docs_" + name
                docs_sources.append(name)
            if not re.fullmatch(r"[\w.-]+", name):
                errors.append("%s: bad file name %r" % (where, name))
            elif name in files:
                errors.append("%s: %s is already the block at %s" % (where, name, files[name][0]))
            else:
                files[name] = (where, text)
    if "CMakeLists.txt" not in files:
        errors.append("README.md: no block marked <!-- snippet: CMakeLists.txt -->")
    if errors:
        sys.exit("\n".join(errors))

    cmake = files["CMakeLists.txt"][1]
    if docs_sources:
        m = re.search(r"add_executable\(\s*([\w-]+)", cmake)
        if not m:
            sys.exit("README.md: the CMakeLists.txt block has no add_executable() for docs/ blocks to follow")
        target = m.group(1)
        cmake += """
# Added by tests/snippets: the C++ blocks of docs/, compiled with {t}'s
# settings (after {t}, whose generated headers they may include).
add_library(docs_snippets OBJECT {srcs})
target_include_directories(docs_snippets PRIVATE $<TARGET_PROPERTY:{t},INCLUDE_DIRECTORIES>)
target_link_libraries(docs_snippets PRIVATE grpcgw::grpcgw)
add_dependencies(docs_snippets {t})
""".format(t=target, srcs=" ".join(docs_sources))
        files["CMakeLists.txt"] = (files["CMakeLists.txt"][0], cmake)
    for name, (where, text) in files.items():
        out = os.path.join(project, name)
        old = open(out, encoding="utf-8").read() if os.path.exists(out) else None
        if old != text:  # unchanged files keep their time stamps: rebuilds stay incremental
            with open(out, "w", encoding="utf-8") as f:
                f.write(text)
        print("%s -> %s" % (where, name))


if __name__ == "__main__":
    main()
