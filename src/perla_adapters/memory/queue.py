"""A task queue that records what was enqueued."""

from __future__ import annotations

import attrs


@attrs.frozen
class EnqueuedTask:
    task: str
    kwargs: dict[str, str | int]


class RecordingTaskQueue:
    """Keeps every enqueued task in ``tasks``; ``fail_with`` makes the next enqueues raise."""

    def __init__(self) -> None:
        self.tasks: list[EnqueuedTask] = []
        self.fail_with: Exception | None = None

    def enqueue(self, task: str, **kwargs: str | int) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.tasks.append(EnqueuedTask(task, dict(kwargs)))

    def take(self) -> list[EnqueuedTask]:
        tasks, self.tasks = self.tasks, []
        return tasks
