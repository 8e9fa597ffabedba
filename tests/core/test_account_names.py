"""An account is a broker login and a topic level: the identity domain refuses a name the broker's
password file cannot hold (issue 9: `colon:name` was journaled with no login), and a taken handle."""
import pytest

from cloud.pins import hash_pin
from shared.codes import Code
from tests.core.driver import Driver

PIN_HASH = hash_pin("4321")


@pytest.mark.parametrize("name", ["colon:name", "-dash-first", ".hidden", "x" * 65])
def test_a_name_no_broker_login_can_carry_is_refused_with_the_rule(name):
    answer = Driver().start().account("register", name, handle="someone", pin_hash=PIN_HASH)
    assert answer.code is Code.BAD_COMMAND
    assert answer.message.endswith("cannot be an account: use 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or a digit")


def test_a_good_name_registers_and_a_taken_handle_is_refused():
    d = Driver().start()
    assert d.account("register", "carol.c-2_x", handle="carol_c", pin_hash=PIN_HASH).ok
    assert d.account("register", "mallory", handle="carol_c", pin_hash=PIN_HASH).code is Code.DUPLICATE_REGISTRATION
