"""``pytest tb/``: the cocotb testbench of the generated design passes under Verilator."""

from run import run_tests


def test_generated_design():
    result = run_tests()
    assert result.passed, result.summary()
