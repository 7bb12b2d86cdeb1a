"""Broker-side message filtering: by tag hash code, or by a SQL92 selector over properties.

``build_filter`` chooses as ExpressionMessageFilter does, from the
subscription's expression type: TAG (or no type) compares tag hash codes,
SQL92 evaluates the compiled selector against the message's properties.
"""

from typing import Dict, Optional, Set, Union

from .message_codec import StoredMessage, java_string_hash
from .sql92 import Selector, Sql92SyntaxError, compile_selector

TAG_TYPE = "TAG"
SQL92_TYPE = "SQL92"


def is_tag_type(expression_type: Optional[str]) -> bool:
    """ExpressionType.isTagType: no type, an empty one and TAG all mean tags."""
    return expression_type in (None, "", TAG_TYPE)


class SubscriptionFilter:
    """Broker-side tag filter: compares tag hash codes as ExpressionMessageFilter does."""

    def __init__(self, expression: Optional[str], codes: Optional[Set[int]] = None) -> None:
        expression = (expression or "").strip()
        self.match_all = expression in ("", "*")
        if codes is not None:
            self.codes = set(codes)
        else:
            tags = [t.strip() for t in expression.split("||") if t.strip()]
            self.codes = {java_string_hash(t) for t in tags}

    def matches(self, msg: StoredMessage) -> bool:
        if self.match_all:
            return True
        tags = msg.tags
        return bool(tags) and msg.tags_code in self.codes


class Sql92Filter:
    """Evaluates a selector on each message's properties (TAGS, KEYS and the user's alike).

    Without a selector it lets everything through: that is ExpressionMessageFilter
    with no compiled filter data, which is where a pull carrying an expression the
    broker cannot compile ends up.
    """

    def __init__(self, selector: Optional[Selector]) -> None:
        self.selector = selector

    def matches(self, msg: StoredMessage) -> bool:
        return self.selector is None or self.selector.matches(msg.properties)


MessageFilter = Union[SubscriptionFilter, Sql92Filter]

# SelectorParser keeps compiled selectors (and failures) in a cache of 100; so does this.
_SELECTOR_CACHE_SIZE = 100
_selector_cache: Dict[str, Union[Selector, Sql92SyntaxError]] = {}


def compile_cached(expression: str) -> Selector:
    """The selector for ``expression``; raises Sql92SyntaxError when it does not compile."""
    cached = _selector_cache.get(expression)
    if cached is None:
        try:
            cached = compile_selector(expression)
        except Sql92SyntaxError as error:
            cached = error
        if len(_selector_cache) >= _SELECTOR_CACHE_SIZE:
            _selector_cache.pop(next(iter(_selector_cache)))
        _selector_cache[expression] = cached
    if isinstance(cached, Sql92SyntaxError):
        raise cached
    return cached


def compile_or_none(expression: Optional[str]) -> Optional[Selector]:
    """ConsumerFilterManager.build: the compiled selector, or None when it does not compile."""
    try:
        return compile_cached(expression or "")
    except Sql92SyntaxError:
        return None
