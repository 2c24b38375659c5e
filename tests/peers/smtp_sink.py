#!/usr/bin/env python3
"""A real SMTP server (aiosmtpd) for the end-to-end tests: AUTH PLAIN/LOGIN with one account, no TLS
(loopback only), every accepted message recorded as one JSON line in --record.

Prints "READY <port>" on stdout once it listens on 127.0.0.1 (port chosen by the OS); exits when its standard
input closes (so it cannot outlive the test that started it, even one that was killed).
"""

import argparse
import asyncio
import json
import os
import sys
import threading
from email import message_from_bytes

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Recorder:
    def __init__(self, path):
        self.path = path

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": message.get("From"),
            "to": message.get("To"),
            "subject": message.get("Subject"),
            "authenticated": bool(session.authenticated),
        }
        with open(self.path, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
        return "250 2.0.0 OK queued by the e2e sink"


def authenticator(username, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == username
            and auth_data.password.decode() == password
        )
        return AuthResult(success=ok, handled=False)

    return check


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--record", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    args = parser.parse_args()

    handler = Recorder(args.record)
    check = authenticator(args.username, args.password)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(
            handler,
            hostname="e2e-sink.localhost",
            authenticator=check,
            auth_require_tls=False,
            auth_required=False,
        ),
        "127.0.0.1",
        0,
    )
    port = server.sockets[0].getsockname()[1]
    print(f"READY {port}", flush=True)
    async with server:
        await server.serve_forever()


def exit_when_stdin_closes():
    sys.stdin.read()
    os._exit(0)


if __name__ == "__main__":
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    asyncio.run(main())
