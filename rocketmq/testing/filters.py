"""Broker-side message filtering by tag hash code."""

from typing import Optional, Set

from .message_codec import StoredMessage, java_string_hash


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
