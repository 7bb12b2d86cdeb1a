"""Shared fixtures: the embedded name server + broker over real TCP."""

pytest_plugins = ["rocketmq.testing.pytest_plugin"]
