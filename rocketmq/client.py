"""The public client API, with the names rocketmq-client-python 2.0.0 had here."""

from ._statuses import ConsumeStatus, SendResult, SendStatus, TransactionStatus
from .consumer import ConsumeFromWhere, PushConsumer
from .lite_pull_consumer import LitePullConsumer, PolledMessage
from .message import Message, ReceivedMessage
from .producer import Producer, TransactionMQProducer
from .pull_consumer import MessageQueue, PullConsumer, PullResult, PullStatus

__all__ = [
    "SendStatus",
    "Message",
    "ReceivedMessage",
    "Producer",
    "PushConsumer",
    "TransactionMQProducer",
    "TransactionStatus",
    "ConsumeStatus",
    "SendResult",
    "ConsumeFromWhere",
    "PullConsumer",
    "PullStatus",
    "PullResult",
    "MessageQueue",
    "LitePullConsumer",
    "PolledMessage",
]
