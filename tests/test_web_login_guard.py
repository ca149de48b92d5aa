"""The admin login's guard against guessing: lockout within the window, bounded memory."""

from __future__ import annotations

from perfxl.web.state import LoginGuard


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_client_is_locked_after_its_tries_within_the_window_and_freed_after() -> None:
    clock = Clock()
    guard = LoginGuard(tries=3, window=60, clock=clock)
    for _ in range(2):
        guard.failed("10.0.0.1")
        clock.now += 1
    assert not guard.locked("10.0.0.1")
    guard.failed("10.0.0.1")
    assert guard.locked("10.0.0.1")
    assert not guard.locked("10.0.0.2")  # another address is not touched
    clock.now += 58  # the first failure is now 60 s old: only two are within the window
    assert not guard.locked("10.0.0.1")


def test_failures_spread_wider_than_the_window_never_lock() -> None:
    clock = Clock()
    guard = LoginGuard(tries=3, window=60, clock=clock)
    for _ in range(10):
        guard.failed("10.0.0.1")
        assert not guard.locked("10.0.0.1")
        clock.now += 31  # never three within 60 s
    assert len(guard) == 1


def test_memory_stays_bounded_whoever_knocks_and_recent_guessers_stay_locked() -> None:
    clock = Clock()
    guard = LoginGuard(tries=3, window=60, clients=100, clock=clock)
    for _ in range(3):
        guard.failed("guesser")
    for i in range(5000):  # many addresses, one wrong password each, over a long time
        guard.failed(f"10.1.{i // 256}.{i % 256}")
        clock.now += 0.001
    assert len(guard) <= 100
    for _ in range(3):
        guard.failed("guesser")
    assert guard.locked("guesser")
    clock.now += 61  # everything aged out
    guard.failed("last")
    assert not guard.locked("guesser")
    assert len(guard) <= 100


def test_aged_out_clients_are_forgotten_before_recent_ones() -> None:
    clock = Clock()
    guard = LoginGuard(tries=2, window=60, clients=10, clock=clock)
    for i in range(5):
        guard.failed(f"old{i}")
    clock.now += 100  # the old ones aged out
    for _ in range(2):
        guard.failed("recent")
    for i in range(6):
        guard.failed(f"new{i}")  # 12 clients: a sweep
    assert len(guard) == 7  # the five old ones went; the recent ones all stay
    assert guard.locked("recent")


def test_a_right_password_stores_nothing() -> None:
    guard = LoginGuard()
    for i in range(100):
        assert not guard.locked(f"10.0.0.{i}")
    assert len(guard) == 0
