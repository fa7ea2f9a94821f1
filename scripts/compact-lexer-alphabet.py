#!/usr/bin/env python3
"""Rewrite a UCS-2 re2c lexer over a small byte alphabet.

The PTB lexer (metrics/ptb_lexer.re) is written over Java's 16-bit code units with
Unicode-sized classes (letters, digits, upper case). Compiled as such, re2c emits every
class's range list in every DFA state: tens of megabytes of C++. But the lexer can only
tell apart the code units that some class or literal tells apart. This script computes
that partition: ASCII units stay themselves, every other unit is replaced by the
symbol 0x80 + k of its equivalence class k (a few hundred in all). It writes

  - the lexer with each class and literal rewritten over those symbols, and
  - a C++ table (runs of code units -> symbol) that the tokenizer applies to its input.

The rewrite changes which bytes the DFA reads, never what it decides: two units in one
equivalence class belong to exactly the same classes and literals of the lexer.

Usage: compact-lexer-alphabet.py LEXER.re OUT.re OUT_TABLE.inc
Only the re2c syntax the PTB lexer uses is understood; anything else is an error.
"""
import bisect
import os
import re
import sys

ASCII_END = 0x80
UNIT_END = 0x10000
SIMPLE_ESCAPES = {"n": 0x0A, "t": 0x09, "r": 0x0D, "f": 0x0C, "v": 0x0B, "a": 0x07, "b": 0x08}


class LexerSyntaxError(Exception):
    pass


def read_escape(text, i):
    """Reads the escape starting at text[i] == '\\'; returns (code unit, next index)."""
    c = text[i + 1]
    if c == "x":
        return int(text[i + 2:i + 4], 16), i + 4
    if c == "u":
        return int(text[i + 2:i + 6], 16), i + 6
    if c in SIMPLE_ESCAPES:
        return SIMPLE_ESCAPES[c], i + 2
    return ord(c), i + 2


def parse_string(text, i, quote):
    """Parses a "..." or '...' literal at text[i]; returns (code units, next index)."""
    units = []
    i += 1
    while text[i] != quote:
        if text[i] == "\\":
            unit, i = read_escape(text, i)
        else:
            unit, i = ord(text[i]), i + 1
        units.append(unit)
    return units, i + 1


def parse_class(text, i):
    """Parses [...] at text[i]; returns (list of (lo, hi) ranges, negated, next index)."""
    i += 1
    negated = text[i] == "^"
    if negated:
        i += 1
    ranges = []
    while text[i] != "]":
        if text[i] == "\\":
            lo, i = read_escape(text, i)
        else:
            lo, i = ord(text[i]), i + 1
        hi = lo
        if text[i] == "-" and text[i + 1] != "]":
            if text[i + 1] == "\\":
                hi, i = read_escape(text, i + 1)
            else:
                hi, i = ord(text[i + 1]), i + 2
        ranges.append((lo, hi))
    return ranges, negated, i + 1


def complement(ranges):
    out, start = [], 0
    for lo, hi in sorted(ranges):
        if lo > start:
            out.append((start, lo - 1))
        start = max(start, hi + 1)
    if start < UNIT_END:
        out.append((start, UNIT_END - 1))
    return out


def scan(text, on_class, on_string, on_other):
    """Walks the re2c blocks of text, handing classes and literals to callbacks.

    Comments, configurations and actions are passed through unchanged via on_other."""
    i = 0
    n = len(text)
    while i < n:
        if text.startswith("/*!re2c", i):
            end = text.index("*/", i)
            on_other(text[i:i + 7])
            scan_block(text[i + 7:end], on_class, on_string, on_other)
            on_other("*/")
            i = end + 2
        else:
            nxt = text.find("/*!re2c", i)
            nxt = n if nxt < 0 else nxt
            on_other(text[i:nxt])
            i = nxt


def scan_block(block, on_class, on_string, on_other):
    i = 0
    n = len(block)
    while i < n:
        c = block[i]
        if block.startswith("//", i) or block.startswith("re2c:", i):
            end = block.find("\n", i)
            end = n if end < 0 else end
            on_other(block[i:end])
            i = end
        elif c == "[":
            if block.startswith("[^]", i):
                on_other("[^]")
                i += 3
                continue
            ranges, negated, j = parse_class(block, i)
            on_class(complement(ranges) if negated else ranges)
            i = j
        elif c in "\"'":
            units, j = parse_string(block, i, c)
            on_string(units, c)
            i = j
        elif c == "{" and not re.match(r"\{\d", block[i:i + 2]):
            depth, j = 0, i
            while True:
                if block[j] == "{":
                    depth += 1
                elif block[j] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            on_other(block[i:j + 1])
            i = j + 1
        elif c == "$" or c.isalnum() or c in "_ \t\n=;|()*+?/{},.@-":
            on_other(c)
            i += 1
        else:
            raise LexerSyntaxError(f"unexpected {c!r} in a re2c block: {block[i:i + 40]!r}")


def inline_includes(path):
    text = open(path, encoding="utf-8").read()
    directory = os.path.dirname(path)

    def include(match):
        return inline_includes(os.path.join(directory, match.group(1)))

    return re.sub(r'/\*!include:re2c "([^"]+)" \*/', include, text)


def partition(atoms):
    """Equivalence classes of non-ASCII units under membership in every atom (a range list)."""
    cuts = {ASCII_END, UNIT_END}
    for ranges in atoms:
        for lo, hi in ranges:
            cuts.update((min(max(lo, ASCII_END), UNIT_END), min(max(hi + 1, ASCII_END), UNIT_END)))
    cuts = sorted(cuts)
    # Membership of each elementary interval [cuts[k], cuts[k+1]).
    signature = {start: [] for start in cuts[:-1]}
    starts = cuts[:-1]
    for index, ranges in enumerate(atoms):
        for lo, hi in ranges:
            lo, hi = max(lo, ASCII_END), min(hi, UNIT_END - 1)
            if lo > hi:
                continue
            for k in range(bisect.bisect_left(starts, lo), bisect.bisect_left(starts, hi + 1)):
                if not signature[starts[k]] or signature[starts[k]][-1] != index:
                    signature[starts[k]].append(index)
    # Number the classes so that the members of each large atom are mostly adjacent:
    # a DFA state's transitions then test a few symbol ranges, not many single symbols.
    sizes = [sum(min(hi, UNIT_END - 1) - max(lo, ASCII_END) + 1 for lo, hi in ranges
                 if hi >= ASCII_END) for ranges in atoms]
    by_size = sorted(range(len(atoms)), key=lambda index: -sizes[index])
    signatures = {tuple(signature[start]) for start in starts}

    def order(key):
        members = set(key)
        return tuple(0 if index in members else 1 for index in by_size)

    symbol_of_signature = {key: ASCII_END + k
                           for k, key in enumerate(sorted(signatures, key=order))}
    runs = []  # (first unit, last unit, symbol)
    for start, end in zip(cuts[:-1], cuts[1:]):
        symbol = symbol_of_signature[tuple(signature[start])]
        if runs and runs[-1][2] == symbol and runs[-1][1] == start - 1:
            runs[-1] = (runs[-1][0], end - 1, symbol)
        else:
            runs.append((start, end - 1, symbol))
    return runs, len(symbol_of_signature)


def symbols_of(ranges, runs):
    """The alphabet symbols a range list covers (ASCII units are their own symbols)."""
    out = set()
    for lo, hi in ranges:
        for unit in range(lo, min(hi, ASCII_END - 1) + 1):
            out.add(unit)
        for first, last, symbol in runs:
            if first <= hi and last >= lo:
                out.add(symbol)
    return out


def render_unit(unit, specials):
    """A unit as re2c source: printable ASCII as itself, anything else escaped."""
    if 0x20 < unit < 0x7F and chr(unit) not in specials:
        return chr(unit)
    return f"\\u{unit:04X}"


def render_class(symbols):
    symbols = sorted(symbols)
    parts, k = [], 0
    while k < len(symbols):
        j = k
        while j + 1 < len(symbols) and symbols[j + 1] == symbols[j] + 1:
            j += 1
        first, last = render_unit(symbols[k], "\\]-^"), render_unit(symbols[j], "\\]-^")
        parts.append(first if j == k else f"{first}-{last}")
        k = j + 1
    return "[" + "".join(parts) + "]"


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    source_path, out_re, out_table = sys.argv[1:]
    text = inline_includes(source_path)

    atoms = []
    scan(text, atoms.append,
         lambda units, quote: atoms.extend([[(u, u)] for u in units if u >= ASCII_END]),
         lambda other: None)
    runs, count = partition(atoms)
    symbol_of_unit = {first: symbol for first, last, symbol in runs if first == last}

    out = []

    def on_string(units, quote):
        if quote == "'" and any(u >= ASCII_END for u in units):
            raise LexerSyntaxError("caseless literal with non-ASCII text")
        body = "".join(render_unit(u if u < ASCII_END else symbol_of_unit[u], "\\" + quote)
                       for u in units)
        out.append(quote + body + quote)

    scan(text, lambda ranges: out.append(render_class(symbols_of(ranges, runs))), on_string,
         out.append)

    header = ("// Generated by scripts/compact-lexer-alphabet.py from "
              f"{os.path.basename(source_path)}. Do not edit.\n")
    with open(out_re + ".tmp", "w", encoding="utf-8") as f:
        f.write(header + "".join(out))
    os.replace(out_re + ".tmp", out_re)

    with open(out_table + ".tmp", "w", encoding="utf-8") as f:
        f.write(header)
        f.write(f"// {count} symbols for non-ASCII code units, as runs {{first, last, symbol}}.\n")
        for first, last, symbol in runs:
            f.write(f"{{0x{first:04X}, 0x{last:04X}, 0x{symbol:04X}}},\n")
    os.replace(out_table + ".tmp", out_table)


if __name__ == "__main__":
    try:
        main()
    except LexerSyntaxError as error:
        sys.exit(f"{sys.argv[1]}: {error}")
