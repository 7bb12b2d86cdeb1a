"""Quick start: an embedded name server + broker, a producer, and what the broker stored.

Code written for rocketmq-client-python runs as it is: only the name server
address changes between this embedded broker and a real RocketMQ cluster.
"""

from __future__ import annotations

import threading

from rocketmq.client import Message, Producer
from rocketmq.testing.server import EmbeddedCluster

TOPIC = "QuickStartTopic"


def main() -> None:
    with EmbeddedCluster() as cluster:
        print(f"embedded name server at {cluster.namesrv_addr}, broker at {cluster.broker_addr}")

        producer = Producer("QuickStartProducer")
        producer.set_name_server_address(cluster.namesrv_addr)
        producer.start()
        try:
            for index in range(3):
                message = Message(TOPIC)
                message.set_keys(f"order-{index}")
                message.set_tags("created")
                message.set_body(f'{{"order": {index}}}')
                result = producer.send_sync(message)
                print(f"sent order-{index}: status={result.status.name} id={result.msg_id} "
                      f"offset={result.offset}")

            done = threading.Event()
            message = Message(TOPIC)
            message.set_tags("async")
            message.set_body(b"binary \x00 body, sent without waiting")
            producer.send_async(
                message,
                lambda result: (print(f"async send done: id={result.msg_id}"), done.set()),
                lambda error: (print(f"async send failed: {error}"), done.set()),
            )
            done.wait(10)
        finally:
            producer.shutdown()

        print(f"the broker stored {TOPIC}:")
        for stored in cluster.wait_for_messages(TOPIC, 4):
            print(f"  queue {stored.queue_id} offset {stored.queue_offset} "
                  f"tags={stored.tags} body={stored.body!r}")


if __name__ == "__main__":
    main()
