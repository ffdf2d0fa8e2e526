"""Every mutation, written down: what was asked, of what, and what became of it. No Textual.

One JSON line per change of a task's status in `history.jsonl` of the state directory
(private: 0700 directory, 0600 file), rotated to `history.jsonl.1` past MAX_BYTES. Reading
keeps the last line of each task: the history screen shows every action across runs with
its latest status. A line holds time, profile, environment, instance, action, the request
as sent (secrets masked), status and outcome (the whole error). Never the API key, never a
password. A history that cannot be written costs the history, never the app.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cca_tui.api.client import SentRequest
from cca_tui.config.private_files import ensure_private_dir
from cca_tui.ui.state import EnvironmentRef
from cca_tui.ui.tasks.records import TrackedTask

log = logging.getLogger(__name__)

MAX_BYTES = 2 * 1024 * 1024
# Body fields never written: what they hold is a secret or the operator's private data.
SECRET_FIELDS = frozenset({"password", "userdata", "apikey", "secret", "token", "privatekey"})
MASK = "***"
# A failed, refused or not-done action may be sent again from the history.
RESENDABLE = frozenset({"FAILED", "REFUSED", "NOT DONE"})


def redact(value: Any) -> Any:
    """The body with every secret-looking field masked, at any depth."""
    if isinstance(value, dict):
        return {
            key: MASK if str(key).replace("_", "").lower() in SECRET_FIELDS else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value


def request_entry(request: SentRequest) -> dict[str, Any]:
    return {
        "method": request.method,
        "path": request.path,
        "operation": request.operation,
        "body": redact(request.body),
    }


@dataclass(frozen=True)
class HistoryEntry:
    id: str
    time: str
    profile: str
    service_code: str
    environment: str
    instance_id: str | None
    instance_name: str
    action: str
    status: str
    outcome: str
    ended: str | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)

    @property
    def environment_ref(self) -> str:
        return f"{self.service_code}/{self.environment}"

    @property
    def resendable(self) -> bool:
        return self.status in RESENDABLE

    def search_text(self) -> str:
        words = (self.time, self.profile, self.environment_ref, self.instance_name, self.instance_id or "")
        return " ".join((*words, self.action, self.status, self.outcome)).lower()


class ActionHistory:
    def __init__(self, path: Path, profile: str, run: str | None = None) -> None:
        self.path = path
        self.profile = profile
        self.run = run or uuid.uuid4().hex[:8]
        self._last: dict[str, tuple[str, str]] = {}

    def save(self, record: TrackedTask) -> None:
        """Append the record when its status or outcome changed since the last line."""
        state = (str(record.status), record.outcome)
        if self._last.get(record.key) == state:
            return
        self._last[record.key] = state
        entry = {
            "id": f"{self.run}:{record.key}",
            "time": record.started.isoformat(timespec="seconds"),
            "profile": self.profile,
            "service_code": record.environment.service_code,
            "environment": record.environment.name,
            "instance_id": record.instance_id,
            "instance_name": record.instance_name,
            "action": record.action.value,
            "status": str(record.status),
            "outcome": record.outcome,
            "ended": record.ended.isoformat(timespec="seconds") if record.ended else None,
            "requests": [request_entry(r) for r in record.requests],
        }
        try:
            self._append(json.dumps(entry, ensure_ascii=True) + "\n")
        except OSError as exc:
            log.warning("could not write the action history %s: %s", self.path, exc)

    def note(
        self, environment: EnvironmentRef, instance_id: str, instance_name: str, action: str, status: str, outcome: str
    ) -> None:
        """Something done that is not a mutation (an ssh session): one line, never resent."""
        now = datetime.now().isoformat(timespec="seconds")
        entry = {
            "id": f"{self.run}:{action}:{uuid.uuid4().hex[:8]}",
            "time": now,
            "profile": self.profile,
            "service_code": environment.service_code,
            "environment": environment.name,
            "instance_id": instance_id,
            "instance_name": instance_name,
            "action": action,
            "status": status,
            "outcome": outcome,
            "ended": now,
            "requests": [],
        }
        try:
            self._append(json.dumps(entry, ensure_ascii=True) + "\n")
        except OSError as exc:
            log.warning("could not write the action history %s: %s", self.path, exc)

    def _append(self, line: str) -> None:
        ensure_private_dir(self.path.parent)
        try:
            if self.path.stat().st_size + len(line) > MAX_BYTES:
                os.replace(self.path, self.path.with_name(self.path.name + ".1"))
        except FileNotFoundError:
            pass
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as file:
            os.fchmod(fd, 0o600)
            file.write(line)

    def load(self) -> list[HistoryEntry]:
        """Every action on record (the rotated file first), newest first, last status each."""
        latest: dict[str, HistoryEntry] = {}
        for path in (self.path.with_name(self.path.name + ".1"), self.path):
            try:
                lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                continue
            for line in lines:
                entry = _entry(line)
                if entry is not None:
                    latest.pop(entry.id, None)  # re-inserted: the dict keeps the order of last change
                    latest[entry.id] = entry
        return sorted(latest.values(), key=lambda e: e.time, reverse=True)


def _entry(line: str) -> HistoryEntry | None:
    try:
        data = json.loads(line)
        return HistoryEntry(
            id=str(data["id"]),
            time=str(data["time"]),
            profile=str(data["profile"]),
            service_code=str(data["service_code"]),
            environment=str(data["environment"]),
            instance_id=None if data.get("instance_id") is None else str(data["instance_id"]),
            instance_name=str(data.get("instance_name") or ""),
            action=str(data["action"]),
            status=str(data["status"]),
            outcome=str(data.get("outcome") or ""),
            ended=None if data.get("ended") is None else str(data["ended"]),
            requests=[r for r in data.get("requests") or [] if isinstance(r, dict)],
        )
    except (ValueError, KeyError, TypeError):
        return None  # a torn or foreign line is skipped
