"""On the secured broker: a user's statement (retained on their own topic) is theirs alone."""
from __future__ import annotations

import pytest

from shared import topics
from tests.integration.test_security import USERS, arbiter, certs, cloud, mqtt  # noqa: F401 (the secured broker's fixtures)
from tests.integration.test_settlement import hall, ok

pytestmark = pytest.mark.broker


def test_a_user_cannot_read_another_users_statement(cloud, certs, arbiter):
    desk = ["ledger", "deposit", "bob", "2,000", "--reference", "HSBC-9", "--cafile", str(certs["ca.crt"])]
    assert "credited to bob" in ok(hall(cloud, *desk, port=cloud.tls_port, password=USERS["house"]))
    statement = topics.USER_STATEMENT.format(account="bob")
    own = mqtt("mosquitto_sub", cloud, certs, "bob", USERS["bob"], "-t", statement, "-C", "1", "-W", "3")
    assert '"type":"statement"' in own.stdout.replace(" ", "")         # the control: bob reads his own (retained)
    snooped = mqtt("mosquitto_sub", cloud, certs, "alice", USERS["alice"], "-t", statement, "-C", "1", "-W", "3")
    assert snooped.stdout == ""                                          # the broker's ACL gives alice nothing
