"""A load's cost, when several environments load at once, is its share of the CPU time."""

from __future__ import annotations

from pytest import approx

from cca_tui.ui.refresh_cost import SharedCpu


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_load_alone_is_charged_all_the_cpu_time_it_ran() -> None:
    clock = Clock()
    meter = SharedCpu(clock)
    bill = meter.start()
    clock.now = 0.3
    assert bill.stop() == approx(0.3)


def test_loads_running_together_share_the_time_and_their_charges_add_up_to_it() -> None:
    clock = Clock()
    meter = SharedCpu(clock)
    first = meter.start()
    clock.now = 0.1  # first alone: 0.1
    second = meter.start()
    third = meter.start()
    clock.now = 0.4  # three together: 0.1 each
    assert first.stop() == approx(0.2)
    clock.now = 0.6  # two together: 0.1 each
    assert second.stop() == approx(0.2)
    clock.now = 0.9  # third alone: 0.3
    assert third.stop() == approx(0.5)
    assert first.stop() + second.stop() + third.stop() == approx(0.9)  # stop again: the same bill


def test_time_with_no_load_running_is_nobodys() -> None:
    clock = Clock()
    meter = SharedCpu(clock)
    clock.now = 5.0
    bill = meter.start()
    clock.now = 5.2
    assert bill.stop() == approx(0.2)
    clock.now = 9.0
    later = meter.start()
    clock.now = 9.1
    assert later.stop() == approx(0.1)
