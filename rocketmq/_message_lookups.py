"""The lookups Java's producers and consumers have through the MQAdmin interface:
stored messages by id or key, and where a queue's offsets stand.

A producer or consumer answers them through an admin client of its own,
opened on the first lookup with the name servers, credentials and TLS it
was given, and shut down with it.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, List, Optional, Tuple

from ._bindings import StrOrBytes

if TYPE_CHECKING:
    from .admin import AdminClient
    from .message import DetachedMessage
    from .pull_consumer import MessageQueue


class LookupSettings:
    """What a lookup client copies from its owner, recorded as the owner is configured."""

    def __init__(self) -> None:
        self.name_server_address: Optional[StrOrBytes] = None
        self.name_server_domain: Optional[StrOrBytes] = None
        self.credentials: Optional[Tuple[StrOrBytes, StrOrBytes, StrOrBytes]] = None
        self.tls: Optional[Tuple[bool, Optional[str], bool]] = None


class MessageLookups:
    """Mixin: ``self._lookup_settings`` is kept by the owner's setters, and its
    ``shutdown`` calls ``self._close_lookups()``."""

    _lookup_settings: LookupSettings
    _lookup_lock: threading.Lock
    _lookup_client: Optional[AdminClient]
    _lookups_closed: bool

    def _init_lookups(self) -> None:
        self._lookup_settings = LookupSettings()
        self._lookup_lock = threading.Lock()
        self._lookup_client = None
        self._lookups_closed = False

    def _remember(self, name: str, value: object) -> None:
        # The owner's connection setters report each setting (see ConnectionSettings).
        setattr(self._lookup_settings, name, value)

    def _lookup_admin(self) -> AdminClient:
        # Imported here: rocketmq.admin imports pull_consumer, which uses this mixin.
        from .admin import AdminClient, AdminQueryFailed

        with self._lookup_lock:
            if self._lookups_closed:
                raise AdminQueryFailed(f"the {type(self).__name__} has been shut down")
            if self._lookup_client is None:
                settings = self._lookup_settings
                admin = AdminClient()
                if settings.name_server_address is not None:
                    admin.set_name_server_address(settings.name_server_address)
                if settings.name_server_domain is not None:
                    admin.set_name_server_domain(settings.name_server_domain)
                if settings.credentials is not None:
                    admin.set_session_credentials(*settings.credentials)
                if settings.tls is not None:
                    admin.set_tls(*settings.tls)
                admin.start()
                self._lookup_client = admin
            return self._lookup_client

    def _close_lookups(self) -> None:
        with self._lookup_lock:
            self._lookups_closed = True
            admin, self._lookup_client = self._lookup_client, None
        if admin is not None:
            admin.shutdown()

    def view_message(self, msg_id: StrOrBytes, topic: Optional[StrOrBytes] = None) -> DetachedMessage:
        """One stored message by id; see :meth:`rocketmq.admin.AdminClient.view_message`."""
        return self._lookup_admin().view_message(msg_id, topic)

    def query_message(self, topic: StrOrBytes, key: StrOrBytes, begin_ms: int, end_ms: int,
                      max_num: int = 32) -> List[DetachedMessage]:
        """Stored messages by key and time range; see :meth:`rocketmq.admin.AdminClient.query_message`."""
        return self._lookup_admin().query_message(topic, key, begin_ms, end_ms, max_num)

    def min_offset(self, queue: MessageQueue) -> int:
        """The oldest offset the queue still holds."""
        return self._lookup_admin().min_offset(queue)

    def max_offset(self, queue: MessageQueue) -> int:
        """The offset the queue's next message will get."""
        from .admin import queue_argument

        mq = queue_argument(queue)
        return self._lookup_admin().max_offset(mq.topic, mq.broker_name, mq.queue_id)

    def search_offset(self, queue: MessageQueue, timestamp_ms: int) -> int:
        """The offset of the queue's first message stored at or after ``timestamp_ms``."""
        return self._lookup_admin().search_offset(queue, timestamp_ms)

    def earliest_msg_store_time(self, queue: MessageQueue) -> int:
        """When the queue's oldest message was stored (ms); -1 when it holds none."""
        return self._lookup_admin().earliest_msg_store_time(queue)

