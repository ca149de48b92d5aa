"""How long reading the rest will take, from what has been read so far.

Reading starts with a one-off cost (starting the workers, importing, compiling the schema)
and, in parallel, results come back a chunk at a time, every worker's first chunk at about the
same moment. An estimate from the first result (click's progress bar: 4 s for the first file,
so 200 files "take 14 minutes") is therefore wrong by far. This one starts its clock once the
first round (every worker's first chunk) is back, and estimates once another round's worth of
files has come in since: the rate of steady work, without the start-up.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Estimate:
    """Seconds left, from the files done and the clock (given, so tests need no sleeping).

    Attributes:
        total: files to read.
        first_round: files done when every worker has handed back one chunk
            (`perfxl.consolidate.run.ReadPlan.first_round`).
    """

    total: int
    first_round: int = 1
    _start: tuple[int, float] | None = None

    def remaining(self, done: int, now: float) -> float | None:
        """Seconds left, or None while there is too little to go on."""
        if done >= self.total:
            return 0.0
        if self._start is None:
            if done >= max(1, self.first_round):
                self._start = (done, now)  # start-up and the first round's burst end here
            return None
        done0, t0 = self._start
        since = done - done0
        if since < max(1, self.first_round) or now <= t0:
            return None
        return (now - t0) / since * (self.total - done)


def format_seconds(seconds: float) -> str:
    """``约 40 秒`` / ``约 3 分钟`` / ``约 1 小时 5 分钟``."""
    s = max(1, round(seconds))
    if s < 60:
        return f"约 {s} 秒"
    m = round(s / 60)
    if m < 60:
        return f"约 {m} 分钟"
    return f"约 {m // 60} 小时 {m % 60} 分钟"
