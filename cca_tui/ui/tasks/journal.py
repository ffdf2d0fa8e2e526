"""Tasks in flight, written down so that a restarted app follows them again.

One private JSON file in the state directory. Only what following needs is kept (task id,
environment, action, instance): never a password, never a key. A journal that cannot be
read or written costs the resume, never the app.

This profile's entries are kept in memory; the file is written when they change, at most
once per FLUSH_DELAY while an event loop runs (a bulk action of 200 changes them hundreds of
times, and each write is fsynced), and at once otherwise or on `flush()` (the app's exit).
Other profiles' entries in the same file are read again at each write and kept.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from cca_tui.config.private_files import replace_private_json
from cca_tui.ui.actions import Action
from cca_tui.ui.state import EnvironmentRef
from cca_tui.ui.tasks.records import TrackedTask

log = logging.getLogger(__name__)

# Seconds a change of the journal may wait to be written with the changes after it.
FLUSH_DELAY = 0.25


class TaskJournal:
    def __init__(self, path: Path, profile: str) -> None:
        self.path = path
        self.profile = profile
        self._entries: dict[str, Any] | None = None  # this profile's, once read
        self._flush_pending: asyncio.TimerHandle | None = None

    def _own(self) -> dict[str, Any]:
        if self._entries is None:
            self._entries = {key: entry for key, entry in self._read().items() if self._is_own(entry)}
        return self._entries

    def _is_own(self, entry: Any) -> bool:
        return isinstance(entry, dict) and entry.get("profile") == self.profile

    def save(self, record: TrackedTask) -> None:
        """Keep a followed task while it is in flight; drop it once it ended."""
        if not record.task_id:
            return
        entries = self._own()
        key = f"{self.profile}:{record.task_id}"
        if record.in_flight:
            entry = {
                "profile": self.profile,
                "task_id": record.task_id,
                "service_code": record.environment.service_code,
                "environment": record.environment.name,
                "action": record.action.value,
                "instance_id": record.instance_id,
                "instance_name": record.instance_name,
                "started": record.started.isoformat(),
            }
            if entries.get(key) == entry:
                return
            entries[key] = entry
        elif key in entries:
            del entries[key]
        else:
            return
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        if self._flush_pending is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        self._flush_pending = loop.call_later(FLUSH_DELAY, self.flush)

    def flush(self) -> None:
        """Write what changed now (the other profiles' entries as the file has them)."""
        if self._flush_pending is not None:
            self._flush_pending.cancel()
            self._flush_pending = None
        if self._entries is None:
            return
        others = {key: entry for key, entry in self._read().items() if not self._is_own(entry)}
        self._write({**others, **self._entries})

    def load(self) -> list[TrackedTask]:
        """The tasks of this profile that a previous run left in flight."""
        if self._flush_pending is not None:
            self.flush()
        records = []
        for entry in self._read().values():
            if not self._is_own(entry):
                continue
            try:
                records.append(
                    TrackedTask(
                        key="",
                        environment=EnvironmentRef(str(entry["service_code"]), str(entry["environment"])),
                        action=Action(entry["action"]),
                        instance_id=entry.get("instance_id"),
                        instance_name=str(entry.get("instance_name") or ""),
                        started=datetime.fromisoformat(str(entry["started"])),
                        task_id=str(entry["task_id"]),
                    )
                )
            except (KeyError, ValueError, TypeError):
                continue  # an entry we cannot read is skipped, the others resume
        return records

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable task journal %s: %s", self.path, exc)
            return {}
        return data if isinstance(data, dict) else {}

    def _write(self, entries: dict[str, Any]) -> None:
        try:
            replace_private_json(self.path, entries)
        except OSError as exc:
            log.warning("could not write the task journal %s: %s", self.path, exc)
