"""Tokens of SelectorParser.jj, read lazily as the Java token manager reads them.

The Java parser never asks for an end-of-input token: it reads one token
beyond what it needs to decide that an expression is complete and stops
there. Text after that token is never even looked at, so ``a = 1 b`` compiles
(as ``a = 1``) while ``a = 1 #`` does not (the lookahead itself is not a
token). Reading on demand reproduces that.
"""

import re
from typing import List, NamedTuple, Optional, Pattern, Tuple

from .errors import LEXICAL_ERROR, Sql92SyntaxError

# Token kinds. Keywords are case-insensitive and win over identifiers of the same length.
NOT, AND, OR, BETWEEN, IN = "NOT", "AND", "OR", "BETWEEN", "IN"
TRUE, FALSE, NULL, IS = "TRUE", "FALSE", "NULL", "IS"
KEYWORDS = (NOT, AND, OR, BETWEEN, IN, TRUE, FALSE, NULL, IS)
DECIMAL, FLOAT, STRING = "<DECIMAL_LITERAL>", "<FLOATING_POINT_LITERAL>", "<STRING_LITERAL>"
ID, EOF = "<ID>", "<EOF>"
PUNCTUATION = ("<>", ">=", "<=", "=", ">", "<", "(", ",", ")", "+", "-")

_SKIPPED: Tuple[Pattern[str], ...] = (
    re.compile(r"[ \t\n\r\f]+"),
    re.compile(r"--[^\n\r]*(?:\r\n|\n|\r)"),   # a line comment needs its line end
    re.compile(r"/\*[^*]*\*+(?:[^*/][^*]*\*+)*/"),
)
# In the grammar's order, which breaks ties between matches of the same length.
_TOKENS: Tuple[Tuple[str, Pattern[str]], ...] = (
    (DECIMAL, re.compile(r"0|[1-9][0-9]*[lL]?")),
    (FLOAT, re.compile(r"[0-9]+\.[0-9]*(?:[eE][+-]?[0-9]+)?"
                       r"|\.[0-9]+(?:[eE][+-]?[0-9]+)?"
                       r"|[0-9]+[eE][+-]?[0-9]+")),
    (STRING, re.compile(r"'(?:''|[^'])*'")),
    (ID, re.compile(r"[a-zA-Z_$][a-zA-Z0-9_$]*")),
)


class Token(NamedTuple):
    kind: str
    image: str
    line: int
    column: int


class TokenStream:
    """Tokens of one selector, lexed only when the parser looks at them."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._position = 0
        self._tokens: List[Token] = []
        self._next = 0

    def peek(self, ahead: int = 1) -> Token:
        while len(self._tokens) < self._next + ahead:
            self._tokens.append(self._lex())
        return self._tokens[self._next + ahead - 1]

    def take(self) -> Token:
        token = self.peek()
        self._next += 1
        return token

    def _where(self, position: int) -> Tuple[int, int]:
        before = self._text[:position]
        return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1

    def _lex(self) -> Token:
        text = self._text
        while True:
            skipped = max((m.end() for m in (p.match(text, self._position) for p in _SKIPPED) if m),
                          default=self._position)
            if skipped == self._position:
                break
            self._position = skipped
        line, column = self._where(self._position)
        if self._position >= len(text):
            return Token(EOF, "", line, column)
        best: Optional[Tuple[str, str]] = None
        for kind, pattern in _TOKENS:
            match = pattern.match(text, self._position)
            if match and (best is None or len(match.group()) > len(best[1])):
                best = (kind, match.group())
        for symbol in PUNCTUATION:
            if text.startswith(symbol, self._position) and (best is None or len(symbol) > len(best[1])):
                best = (symbol, symbol)
        if best is None:
            char = text[self._position]
            raise Sql92SyntaxError(LEXICAL_ERROR, 'Lexical error at line %d, column %d.  '
                                   'Encountered: "%s" (%d), after : ""' % (line, column, char, ord(char)))
        kind, image = best
        if kind == ID and image.upper() in KEYWORDS:
            kind = image.upper()
        self._position += len(image)
        return Token(kind, image, line, column)
