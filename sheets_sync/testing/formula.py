"""A small formula evaluator: enough Sheets to give ``=…`` cells a best-effort value.

Numbers, strings, booleans, cell and range references (``A1``, ``Tab!A1:B3``,
``'My tab'!A:A``), ``+ - * / ^ &``, comparisons, unary minus, ``%`` and the functions
SUM AVERAGE MIN MAX COUNT COUNTA IF IFERROR AND OR NOT CONCATENATE CONCAT LEN UPPER
LOWER TRIM ROUND ABS. Anything else evaluates to ``#NAME?``; a parse failure to
``#ERROR!``. The formula text itself is always kept (``FORMULA`` render).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class FormulaError:
    code: str  # "#DIV/0!", "#NAME?", "#VALUE!", "#REF!", "#ERROR!", "#N/A"


Resolver = Callable[[str], list[list[Any]]]

_TOKEN = re.compile(
    r"""\s*(?:
    (?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
  | (?P<str>"(?:[^"]|"")*")
  | (?P<ref>(?:(?:'(?:[^']|'')+'|[A-Za-z_][A-Za-z0-9_.]*)!)?
        (?:\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?
          |\$?[A-Za-z]{1,3}:\$?[A-Za-z]{1,3}
          |\$?\d+:\$?\d+))
  | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<op><>|<=|>=|[-+*/^&=<>(),%:;])
)""",
    re.VERBOSE,
)


class _ParseError(Exception):
    pass


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise _ParseError(text[pos:])
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "name" and m.end() < len(text) and text[m.end() :].lstrip().startswith("("):
            kind = "func"
        out.append((kind, value))
        pos = m.end()
    return out


class _Parser:
    PRECEDENCE: ClassVar[dict[str, int]] = {
        "=": 1, "<>": 1, "<": 1, ">": 1, "<=": 1, ">=": 1, "&": 2,
        "+": 3, "-": 3, "*": 4, "/": 4, "^": 5,
    }

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise _ParseError("unexpected end")
        self.i += 1
        return tok

    def expr(self, min_prec: int = 0) -> Any:
        left = self.unary()
        while True:
            tok = self.peek()
            if tok is None or tok[0] != "op" or tok[1] not in self.PRECEDENCE:
                return left
            prec = self.PRECEDENCE[tok[1]]
            if prec <= min_prec and not (tok[1] == "^" and prec == min_prec):
                return left
            self.take()
            right = self.expr(prec)
            left = ("bin", tok[1], left, right)

    def unary(self) -> Any:
        tok = self.peek()
        if tok == ("op", "-"):
            self.take()
            return ("neg", self.unary())
        if tok == ("op", "+"):
            self.take()
            return self.unary()
        node = self.primary()
        while self.peek() == ("op", "%"):
            self.take()
            node = ("bin", "/", node, ("num", 100.0))
        return node

    def primary(self) -> Any:
        kind, value = self.take()
        if kind == "num":
            return ("num", float(value))
        if kind == "str":
            return ("str", value[1:-1].replace('""', '"'))
        if kind == "ref":
            return ("ref", value)
        if kind == "name":
            upper = value.upper()
            if upper in ("TRUE", "FALSE"):
                return ("bool", upper == "TRUE")
            return ("ref", value)  # a named range
        if kind == "func":
            self.take()  # "("
            args = []
            if self.peek() != ("op", ")"):
                while True:
                    args.append(self.expr())
                    if self.peek() in (("op", ","), ("op", ";")):
                        self.take()
                        continue
                    break
            if self.take() != ("op", ")"):
                raise _ParseError("missing )")
            return ("call", value.upper(), args)
        if (kind, value) == ("op", "("):
            node = self.expr()
            if self.take() != ("op", ")"):
                raise _ParseError("missing )")
            return node
        raise _ParseError(value)


def _num(v: Any) -> float | FormulaError:
    if isinstance(v, FormulaError):
        return v
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if v is None or v == "":
        return 0.0
    if isinstance(v, (int, float)):
        return float(v)
    try:
        return float(str(v).replace(",", ""))
    except ValueError:
        return FormulaError("#VALUE!")


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    return str(v)


def _flat(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if isinstance(v, list):
            for row in v:
                out.extend(row)
        else:
            out.append(v)
    return out


class _Evaluator:
    def __init__(self, resolve: Resolver) -> None:
        self.resolve = resolve

    def value(self, node: Any) -> Any:
        """A scalar: a range reference collapses to its first cell."""
        v = self.eval(node)
        if isinstance(v, list):
            return v[0][0] if v and v[0] else None
        return v

    def eval(self, node: Any) -> Any:
        kind = node[0]
        if kind in ("num", "str", "bool"):
            return node[1]
        if kind == "ref":
            return self.resolve(node[1])
        if kind == "neg":
            n = _num(self.value(node[1]))
            return n if isinstance(n, FormulaError) else -n
        if kind == "bin":
            return self.binary(node[1], self.value(node[2]), self.value(node[3]))
        if kind == "call":
            return self.call(node[1], node[2])
        raise _ParseError(kind)

    def binary(self, op: str, a: Any, b: Any) -> Any:
        for v in (a, b):
            if isinstance(v, FormulaError):
                return v
        if op == "&":
            return _text(a) + _text(b)
        if op in ("=", "<>", "<", ">", "<=", ">="):
            x, y = (a if a is not None else 0), (b if b is not None else 0)
            if isinstance(x, str) and isinstance(y, str):
                x, y = x.lower(), y.lower()
            try:
                result = {"=": x == y, "<>": x != y, "<": x < y, ">": x > y,
                          "<=": x <= y, ">=": x >= y}[op]
            except TypeError:
                result = op == "<>"
            return result
        x, y = _num(a), _num(b)
        if isinstance(x, FormulaError):
            return x
        if isinstance(y, FormulaError):
            return y
        if op == "+":
            return x + y
        if op == "-":
            return x - y
        if op == "*":
            return x * y
        if op == "/":
            return FormulaError("#DIV/0!") if y == 0 else x / y
        if op == "^":
            try:
                return float(x**y)
            except (OverflowError, ZeroDivisionError):
                return FormulaError("#NUM!")
        raise _ParseError(op)

    def call(self, name: str, args: list[Any]) -> Any:
        if name == "IF":
            cond = self.value(args[0]) if args else False
            if isinstance(cond, FormulaError):
                return cond
            branch = args[1] if cond not in (False, 0, 0.0, None, "") else (
                args[2] if len(args) > 2 else ("bool", False))
            return self.value(branch) if len(args) > 1 else False
        if name == "IFERROR":
            first = self.value(args[0])
            if isinstance(first, FormulaError):
                return self.value(args[1]) if len(args) > 1 else ""
            return first
        values = [self.eval(a) for a in args]
        flat = _flat(values)
        for v in flat:
            if isinstance(v, FormulaError) and name not in ("COUNT", "COUNTA"):
                return v
        numbers = [float(v) for v in flat
                   if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if name == "SUM":
            return sum(numbers)
        if name == "AVERAGE":
            return sum(numbers) / len(numbers) if numbers else FormulaError("#DIV/0!")
        if name == "MIN":
            return min(numbers) if numbers else 0.0
        if name == "MAX":
            return max(numbers) if numbers else 0.0
        if name == "COUNT":
            return float(len(numbers))
        if name == "COUNTA":
            return float(sum(1 for v in flat if v not in (None, "")))
        if name in ("AND", "OR"):
            truth = [bool(_num(v)) if not isinstance(v, str) else bool(v) for v in flat
                     if v is not None]
            return all(truth) if name == "AND" else any(truth)
        scalars = [v[0][0] if isinstance(v, list) and v and v[0] else
                   (None if isinstance(v, list) else v) for v in values]
        if name == "NOT":
            return not bool(_num(scalars[0])) if scalars else FormulaError("#N/A")
        if name in ("CONCATENATE", "CONCAT"):
            return "".join(_text(v) for v in flat)
        if name in ("LEN", "UPPER", "LOWER", "TRIM") and scalars:
            s = _text(scalars[0])
            return {"LEN": float(len(s)), "UPPER": s.upper(), "LOWER": s.lower(),
                    "TRIM": " ".join(s.split())}[name]
        if name in ("ROUND", "ABS") and scalars:
            x = _num(scalars[0])
            if isinstance(x, FormulaError):
                return x
            if name == "ABS":
                return abs(x)
            digits = _num(scalars[1]) if len(scalars) > 1 else 0.0
            if isinstance(digits, FormulaError):
                return digits
            return float(round(x, int(digits)))
        return FormulaError("#NAME?")


def evaluate(formula: str, resolve: Resolver) -> Any:
    """Evaluate ``=…``; returns float, str, bool, None or a :class:`FormulaError`."""
    try:
        parser = _Parser(_tokens(formula.lstrip("=")))
        node = parser.expr()
        if parser.peek() is not None:
            raise _ParseError("trailing input")
        result = _Evaluator(resolve).value(node)
    except (_ParseError, IndexError, RecursionError):
        return FormulaError("#ERROR!")
    return result
