"""Reading request headers and JSON bodies the way the Java broker tolerates them."""

import json
import re
from typing import Dict, Optional

from .codes import TOPIC_MAX_LENGTH

_TOPIC_CHARS = re.compile(r"^[%|a-zA-Z0-9_-]+$")
# Fields of SendMessageRequestHeaderV2 by their one-letter wire names.
V2_FIELDS = {
    "a": "producerGroup", "b": "topic", "c": "defaultTopic", "d": "defaultTopicQueueNums",
    "e": "queueId", "f": "sysFlag", "g": "bornTimestamp", "h": "flag", "i": "properties",
    "j": "reconsumeTimes", "k": "unitMode", "l": "maxReconsumeTimes", "m": "batch", "n": "brokerName",
}


def header_int(fields: Dict[str, str], name: str, default: int = 0) -> int:
    value = fields.get(name)
    if value is None or value == "" or value == "null":
        return default
    return int(value)


def lenient_json(body: bytes) -> object:
    text = body.decode("utf-8")
    try:
        return json.loads(text)
    except ValueError:
        # fastjson may write integer map keys unquoted.
        return json.loads(re.sub(r"([{,])\s*(-?\d+)\s*:", r'\1"\2":', text))


def topic_problem(topic: Optional[str]) -> Optional[str]:
    """TopicValidator.validateTopic: the reason a topic name is refused, or None."""
    if not topic or not topic.strip():
        return "The specified topic is blank."
    if not _TOPIC_CHARS.match(topic):
        return "The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$"
    if len(topic) > TOPIC_MAX_LENGTH:
        return "The specified topic is longer than topic max length."
    return None
