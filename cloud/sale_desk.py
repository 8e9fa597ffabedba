"""./hall sale: the house loads sales into its running engine and closes them.

    ./hall sale load FILE       a sale definition: the TOML of a config's [sale], [[lots]], [[paddles]],
                                [[bidders]] and ladders; its hall runs it until it is closed
    ./hall sale close SALE      every lot offered or passed: the hall is free for its next sale
Connects as the `house` user (password from $HALL_HOUSE_PASSWORD, --cafile for TLS). Exits 0 done,
1 refused, 2 no answer.
"""
from __future__ import annotations

import argparse
import sys
import uuid
from pathlib import Path

from cloud.config import ConfigError, load, sale_definition
from cloud.desk import deliver
from shared import messages, topics


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="hall sale", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("load", "close"))
    parser.add_argument("target", help="the definition FILE (load) or the SALE id (close)")
    parser.add_argument("--config", help="TOML file for the broker settings (default: deploy/demo.toml)")
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    parser.add_argument("--cafile", default="")
    args = parser.parse_args(argv)
    command_id = f"sale-{uuid.uuid4().hex[:12]}"
    try:
        if args.action == "load":
            text = Path(args.target).read_text()
            sale_definition(text)                    # refused here, with the reason, before anything is sent
            message = messages.SaleCommand(command_id=command_id, action="load", definition=text)
        else:
            message = messages.SaleCommand(command_id=command_id, action="close", sale=args.target)
        messages.decode(messages.encode(message), messages.SaleCommand, messages.SALE_DEFINITION_BYTES + 4096)
    except (OSError, UnicodeDecodeError, ConfigError, messages.ProtocolError) as refused:
        print(f"refused: {refused}", file=sys.stderr)
        sys.exit(1)
    deliver(load(args.config), args, message, topics.HOUSE_SALE)

if __name__ == "__main__":
    main()
