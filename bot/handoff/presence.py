"""Who is at the desk, and whether a customer asking for a human can be served now.

An open desk page reports its agent every few seconds (`POST /api/presence`); an agent is
online until PRESENCE_TTL_S after their last report, or until they log out. Outside the
service hours, or with nobody online, a request for a human is answered at once instead of
queued for nobody (bot/handoff/app.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from bot.handoff.records import HandoffRecords, checked_agent
from bot.service_errors import InvalidInput

_HOURS = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


@dataclass(frozen=True)
class ServiceHours:
    """The daily hours agents work, in the desk's local time: "08:00-22:00"; an end before
    the start runs past midnight ("20:00-02:00"); "00:00-24:00" is all day."""

    start: time
    end: time | None  # None: until midnight
    text: str

    @classmethod
    def parse(cls, text: str) -> ServiceHours:
        match = _HOURS.match(text.strip())
        if match is None:
            raise ValueError(f"service hours must look like 08:00-22:00, not {text!r}")
        start_h, start_m, end_h, end_m = (int(group) for group in match.groups())
        if start_h > 23 or start_m > 59 or end_m > 59 or end_h > 24 or (end_h == 24 and end_m):
            raise ValueError(f"service hours must look like 08:00-22:00, not {text!r}")
        end = None if end_h == 24 else time(end_h, end_m)
        return cls(time(start_h, start_m), end, text.strip())

    def open_at(self, moment: datetime) -> bool:
        now = moment.time().replace(tzinfo=None)
        if self.end is None:
            return now >= self.start
        if self.start <= self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end


class Presence(HandoffRecords):
    """`report_presence`, `online_agents`."""

    def report_presence(self, agent: Any, online: Any, ttl_s: float) -> list[str]:
        """Records that the agent's page is open (or, `online` false, that they left);
        answers who is online now."""
        name = checked_agent(agent)
        if online is None:
            online = True
        if not isinstance(online, bool):
            raise InvalidInput("invalid_body", field="online")
        _, now_ts = self._stamp()
        with self._write() as conn:
            if online:
                conn.execute(
                    """INSERT INTO presence (agent, seen_ts) VALUES (?, ?)
                       ON CONFLICT (agent) DO UPDATE SET seen_ts = excluded.seen_ts""",
                    (name, now_ts),
                )
            else:
                conn.execute("DELETE FROM presence WHERE agent = ?", (name,))
        return self.online_agents(ttl_s)

    def online_agents(self, ttl_s: float) -> list[str]:
        _, now_ts = self._stamp()
        with self._read() as conn:
            rows = conn.execute(
                "SELECT agent FROM presence WHERE seen_ts > ? ORDER BY agent", (now_ts - ttl_s,)
            ).fetchall()
        return [row["agent"] for row in rows]
