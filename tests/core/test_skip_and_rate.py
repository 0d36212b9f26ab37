"""Lost samples (Tracker.skip) and a measured sample rate (rate_mhz), on both interpreters."""

from tests.core.test_steps import run_scenario

# 170 spm for 40 s at 100 Hz; samples 2000..2079 (0.8 s) are lost, as a FIFO overflow loses
# them. Steps are pushed in 80 ms bursts, as the sampler does, cadence read after each.
GAP = """
contacts = steady(170, 40)
buf = signal(100, contacts, 40, 2500)
def feed(skip):
    steps = []
    cads = []
    t = Tracker(100, "waist", lambda i, p, s: steps.append(i))
    start = 0
    while start < 4000:
        if start == 2000 and skip is not None:  # None: nothing lost; False: lost, not told
            if skip:
                t.skip(80)
            start = 2080
        t.push_range(buf, start, start + 8)
        start += 8
        cads.append(t.cadence_spm())
    t.flush()
    return steps, cads
whole = feed(None)[0]
"""


def test_skipped_samples_keep_the_steps_after_a_gap_on_their_true_indices(interpreter):
    body = GAP + "print(repr((whole, feed(True)[0])))\n"
    whole, cut = run_scenario(interpreter, body)
    after = [i for i in cut if i >= 2200]
    assert after and after == [i for i in whole if i >= 2200]


def test_a_gap_is_no_cadence_spike(interpreter):
    body = GAP + "print(repr(feed(True)[1]))\n"
    cads = run_scenario(interpreter, body)
    true_spm = 60000 / (60000 // 170)
    assert max(cads) <= true_spm + 1, max(cads)
    assert all(abs(c - true_spm) <= 1 for c in cads[350:])  # from 28 s: settled again


# An IMU whose clock runs 3 % slow: the same contacts (real ms) sampled at 97 Hz.
SLOW = """
contacts = steady(170, 40)
buf = signal(97, contacts, 40, 2500)
def cadence(rate_mhz):
    t = Tracker(100, "waist", None, rate_mhz)
    t.push_range(buf, 0, 97 * 30)
    return t.cadence_spm()
print(repr((cadence(0), cadence(97000))))
"""


def test_cadence_from_the_measured_rate_is_true_where_the_nominal_one_is_3_percent_off(
    interpreter,
):
    nominal, measured = run_scenario(interpreter, SLOW)
    true_spm = 60000 / (60000 // 170)
    assert abs(measured - true_spm) <= 1
    assert nominal - true_spm >= 4  # the rate it was told is 3 % above the clock's


def test_set_rate_mhz_changes_the_next_cadence_value(interpreter):
    body = SLOW.replace("print(", "t = Tracker(100, 'waist')\nt.set_rate_mhz(97000)\nprint(")
    body += "t.push_range(buf, 0, 97 * 30)\nprint(repr(t.cadence_spm()))\n"
    assert run_scenario(interpreter, body) == run_scenario(interpreter, SLOW)[1]
