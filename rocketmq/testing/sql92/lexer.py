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


# SelectorParserConstants.tokenImage: how ParseException names a token's kind.
_KIND_IMAGES = {kind: '"%s"' % kind for kind in KEYWORDS + PUNCTUATION}
_KIND_IMAGES.update({DECIMAL: DECIMAL, FLOAT: FLOAT, STRING: STRING, ID: ID, EOF: EOF})
TAB_SIZE = 8  # SimpleCharStream's


def java_escape(text: str) -> str:
    """JavaCC's addEscapes, which error messages apply to source text."""
    escapes = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"',
               "'": "\\'", "\\": "\\\\"}
    out = []
    for char in text:
        if char in escapes:
            out.append(escapes[char])
        elif ord(char) < 0x20 or ord(char) > 0x7E:
            out.append("\\u%04x" % ord(char))
        else:
            out.append(char)
    return "".join(out)


def describe(token: Token) -> str:
    """A token as ParseException prints it after 'Encountered'."""
    if token.kind == EOF:
        return '"<EOF>"'
    return '" %s "%s ""' % (_KIND_IMAGES[token.kind], java_escape(token.image))


def _positions(text: str) -> List[Tuple[int, int]]:
    """(line, column) of every character, counted as SimpleCharStream.UpdateLineColumn counts them."""
    positions = []
    line, column, after_cr, after_lf = 1, 0, False, False
    for char in text:
        column += 1
        if after_lf:
            after_lf, line, column = False, line + 1, 1
        elif after_cr:
            after_cr = False
            if char == "\n":
                after_lf = True
            else:
                line, column = line + 1, 1
        if char == "\r":
            after_cr = True
        elif char == "\n":
            after_lf = True
        elif char == "\t":
            column -= 1
            column += TAB_SIZE - column % TAB_SIZE
        positions.append((line, column))
    return positions


class TokenStream:
    """Tokens of one selector, lexed only when the parser looks at them."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._where = _positions(text)
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

    def _lex(self) -> Token:
        text = self._text
        while True:
            skipped = max((m.end() for m in (p.match(text, self._position) for p in _SKIPPED) if m),
                          default=self._position)
            if skipped == self._position:
                break
            self._position = skipped
        if self._position >= len(text):
            # The end carries the position of the last character read (0, 0 for no text at all).
            line, column = self._where[-1] if text else (0, 0)
            return Token(EOF, "", line, column)
        line, column = self._where[self._position]
        best: Optional[Tuple[str, str]] = None
        for kind, pattern in _TOKENS:
            match = pattern.match(text, self._position)
            if match and (best is None or len(match.group()) > len(best[1])):
                best = (kind, match.group())
        for symbol in PUNCTUATION:
            if text.startswith(symbol, self._position) and (best is None or len(symbol) > len(best[1])):
                best = (symbol, symbol)
        if best is None:
            raise self._lexical_error()
        kind, image = best
        if kind == ID and image.upper() in KEYWORDS:
            kind = image.upper()
        self._position += len(image)
        return Token(kind, image, line, column)

    def _dead_end(self) -> int:
        """Where the token manager stops reading when nothing matches from here: the first
        character no token can continue with (the length of the text if it ran out first)."""
        text, start = self._text, self._position
        if text[start] == "'":  # a string literal never closed
            return len(text)
        if text.startswith("/*", start):  # a block comment never closed
            return len(text)
        if text[start] in "./":  # "." wants a digit, "/" a "*"
            return start + 1
        return start

    def _lexical_error(self) -> Sql92SyntaxError:
        """TokenMgrError's message, including where JavaCC says the error is."""
        text, start = self._text, self._position
        dead = self._dead_end()
        read = min(dead + 1, len(text)) - start  # the characters read for the token, the fatal one included
        if dead < len(text) - 1:
            char = text[dead]
            line, column = self._where[dead]
            found = '"%s" (%d), ' % (java_escape(char), ord(char))
            after = text[start:dead] if read > 1 else ""
        else:
            # The character after the last one read was the end: JavaCC reports the end, one column on.
            line, column = self._where[min(dead, len(text) - 1)]
            column += 1
            found = "<EOF> "
            after = text[start:start + read] if read > 1 else ""
        message = 'Lexical error at line %d, column %d.  Encountered: %safter : "%s"'
        return Sql92SyntaxError(LEXICAL_ERROR, message % (line, column, found, java_escape(after)))
