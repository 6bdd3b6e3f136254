"""The event core: order by (time, priority, insertion), and determinism against a brute-force
reference that sorts the full schedule up front."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iads.engine import Engine, Priority


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 3)), min_size=1, max_size=60))
def test_order_matches_a_sorted_schedule(events):
    log = []
    eng = Engine()
    for i, (t, p) in enumerate(events):
        eng.schedule(float(t), p, lambda e, t, payload: log.append(payload), i)
    eng.run(until=100.0)
    want = [i for i, _ in sorted(enumerate(events), key=lambda x: (x[1][0], x[1][1], x[0]))]
    assert log == want
    assert eng.processed == len(events) and eng.now == 100.0


def test_handlers_schedule_followups_and_until_is_inclusive():
    times = []

    def periodic(e, t, period):
        times.append(t)
        e.schedule(t + period, Priority.SENSOR, periodic, period)

    eng = Engine()
    eng.schedule(0.0, Priority.SENSOR, periodic, 0.25)
    eng.run(until=2.0)
    np.testing.assert_allclose(times, np.arange(0, 2.0001, 0.25))
    assert eng.peek() == pytest.approx(2.25)


def test_no_scheduling_in_the_past():
    eng = Engine()
    eng.run(until=5.0)
    with pytest.raises(ValueError):
        eng.schedule(4.0, Priority.SENSOR, lambda e, t, p: None)
