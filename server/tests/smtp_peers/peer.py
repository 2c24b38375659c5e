#!/usr/bin/env python3
"""A real SMTP server for the Rust tests: aiosmtpd's SMTP protocol on 127.0.0.1, configured by flags.

It prints "PORT <n>" on stdout once it accepts connections, and exits when its standard input closes (so it
cannot outlive the test that started it). Every message it accepts is written to <spool>/msg-<n>.eml, preceded
by "X-Peer-Mail-From:" and "X-Peer-Rcpt-To:" lines with the envelope; every AUTH and MAIL command it sees is
logged to <spool>/events.log ("AUTH <mechanism>", then "AUTH-RESULT ok|fail"; "MAIL <argument>"), so a test can
prove no credentials, or no sender, arrived.
"""

import argparse
import asyncio
import base64
import itertools
import os
import ssl
import sys
import threading

from aiosmtpd.smtp import MISSING, SMTP, AuthResult, LoginPassword

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--mode", choices=["plain", "starttls", "implicit"], default="plain",
                    help="plain: no TLS; starttls: offers STARTTLS; implicit: TLS from the first byte")
parser.add_argument("--cert", help="server certificate chain (PEM)")
parser.add_argument("--key", help="server private key (PEM)")
parser.add_argument("--user", help="the one login accepted")
parser.add_argument("--password", help="its password")
parser.add_argument("--require-auth", action="store_true", help="530 for MAIL before a login")
parser.add_argument("--require-starttls", action="store_true", help="530 for commands before STARTTLS")
parser.add_argument("--auth-plaintext", action="store_true", help="offer AUTH on an unencrypted connection")
parser.add_argument("--only-login", action="store_true", help="offer only AUTH LOGIN (not PLAIN)")
parser.add_argument("--odd-login-question", action="store_true",
                    help="AUTH LOGIN asks a question no client can answer (\"Who are you?\")")
parser.add_argument("--endless-login", action="store_true", help="AUTH LOGIN asks for the username for ever")
parser.add_argument("--only-cram-md5", action="store_true", help="offer only AUTH CRAM-MD5 (not PLAIN or LOGIN)")
parser.add_argument("--echo-auth", action="store_true",
                    help="refuse a login with a reply that echoes the password it got: upper case, hex, and base64 "
                         "at an odd offset (as a careless server could)")
parser.add_argument("--reject-sender-at", choices=["mail", "rcpt", "data"],
                    help="refuse the sender with 553 5.7.1 at MAIL FROM or (as Postfix does) at RCPT TO; or, as "
                         "services that judge the from address only once the message came, with 550 5.1.8 after it")
parser.add_argument("--reject-recipient", help="refuse this recipient with 550 5.1.1")
parser.add_argument("--rcpt-reply", help="answer every RCPT TO with this reply (e.g. Postfix's \"554 5.7.1 "
                                         "<localhost[127.0.0.1]>: Client host rejected: Access denied\")")
parser.add_argument("--auth-reply", help="refuse every login with this reply (e.g. Gmail's \"534 5.7.9 "
                                         "Application-specific password required\")")
parser.add_argument("--no-ehlo", action="store_true",
                    help="answer EHLO with 502 (a server from before ESMTP); HELO still works")
parser.add_argument("--stall-at", choices=["ehlo", "mail", "rcpt", "data"],
                    help="stop answering at this command (data: after the message's final dot)")
parser.add_argument("--drop-during-data", action="store_true",
                    help="close the connection after the message instead of answering")
parser.add_argument("--no-greeting", action="store_true",
                    help="accept connections and say nothing (a port of something that waits for the client, or a "
                         "hung mail server)")
parser.add_argument("--not-smtp-greeting",
                    help="be no SMTP server: send this line (an IMAP server's greeting, say) and wait, as the port "
                         "of another service does (with --mode implicit, over TLS)")
parser.add_argument("--size-limit", type=int, default=33554432,
                    help="the largest message accepted, in bytes, announced as SIZE (aiosmtpd's default otherwise)")
parser.add_argument("--spool", required=True, help="directory for received messages and events.log")
args = parser.parse_args()

counter = itertools.count(1)


def event(line):
    with open(os.path.join(args.spool, "events.log"), "a", encoding="utf-8") as log:
        log.write(line + "\n")


class Handler:
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        if args.stall_at == "ehlo":
            await asyncio.sleep(3600)
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if args.stall_at == "mail":
            await asyncio.sleep(3600)
        if args.reject_sender_at == "mail":
            return f"553 5.7.1 <{address}>: Sender address rejected: not owned by user"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 Ok"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if args.stall_at == "rcpt":
            await asyncio.sleep(3600)
        if args.rcpt_reply:
            return args.rcpt_reply
        if args.reject_sender_at == "rcpt":
            return f"553 5.7.1 <{envelope.mail_from}>: Sender address rejected: not owned by user"
        if args.reject_recipient and address.lower() == args.reject_recipient.lower():
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown in local recipient table"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):
        if args.reject_sender_at == "data":
            return f"550 5.1.8 <{envelope.mail_from}>: Sender address rejected: not a verified identity"
        if args.stall_at == "data":
            event("STALL after DATA")
            await asyncio.sleep(3600)
        if args.drop_during_data:
            event("DROP during DATA")
            server.transport.abort()
            return None
        path = os.path.join(args.spool, f"msg-{next(counter)}.eml")
        with open(path + ".tmp", "wb") as out:
            out.write(f"X-Peer-Mail-From: {envelope.mail_from}\r\n".encode())
            out.write(f"X-Peer-Rcpt-To: {', '.join(envelope.rcpt_tos)}\r\n".encode())
            out.write(envelope.original_content or envelope.content)
        os.replace(path + ".tmp", path)
        return "250 2.0.0 Ok: queued as PEER"


class CramMd5Handler(Handler):
    async def auth_CRAM__MD5(self, server, args):
        event("AUTH CRAM-MD5")
        return AuthResult(success=False, handled=False)


class OddLoginHandler(Handler):
    """LOGIN that asks what no client can answer; logs whether the client gave up with "*"."""

    async def auth_LOGIN(self, server, _arguments):
        event("AUTH LOGIN")
        answer = await server.challenge_auth("Who are you?" if args.odd_login_question else "Username:")
        while args.endless_login and answer is not MISSING:
            answer = await server.challenge_auth("Username:")
        if answer is MISSING:
            # aiosmtpd answered "*" with 501 5.7.0, anything not base64 with 501 5.5.2: the client's line decides.
            event("AUTH-ABANDONED")
            return AuthResult(success=False, handled=True)
        return AuthResult(success=False, handled=False)


class LoggingSMTP(SMTP):
    async def smtp_EHLO(self, arg):
        if args.no_ehlo:
            await self.push("502 5.5.1 Command not implemented")
            return
        await super().smtp_EHLO(arg)

    async def smtp_AUTH(self, arg):
        event(f"AUTH {arg.split()[0] if arg else ''}")
        await super().smtp_AUTH(arg)

    async def smtp_MAIL(self, arg):
        event(f"MAIL {arg}")
        await super().smtp_MAIL(arg)


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (
        isinstance(auth_data, LoginPassword)
        and args.user is not None
        and auth_data.login.decode() == args.user
        and auth_data.password.decode() == args.password
    )
    event(f"AUTH-RESULT {'ok' if ok else 'fail'}")
    if args.auth_reply:
        return AuthResult(success=False, handled=False, message=args.auth_reply)
    if not ok and args.echo_auth and isinstance(auth_data, LoginPassword):
        password = auth_data.password
        said = base64.b64encode(b"You sent: " + password).decode()
        return AuthResult(success=False, handled=False,
                          message=f"535 5.7.8 Bad credentials {password.decode().upper()} hex={password.hex()} {said}")
    # handled=False: aiosmtpd answers the failure itself (535 5.7.8).
    return AuthResult(success=ok, handled=False)


def tls_context():
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    return context


async def main():
    loop = asyncio.get_running_loop()
    context = tls_context() if args.mode in ("starttls", "implicit") else None

    def factory():
        return LoggingSMTP(
            CramMd5Handler() if args.only_cram_md5 else OddLoginHandler() if args.odd_login_question or args.endless_login else Handler(),
            hostname="mail.example.test",
            ident="peer",
            loop=loop,
            data_size_limit=args.size_limit,
            tls_context=context if args.mode == "starttls" else None,
            require_starttls=args.require_starttls,
            auth_required=args.require_auth,
            # Implicit TLS is TLS too, though aiosmtpd only counts STARTTLS.
            auth_require_tls=not (args.auth_plaintext or args.mode == "implicit"),
            authenticator=authenticator,
            auth_exclude_mechanism=["PLAIN", "LOGIN"] if args.only_cram_md5 else ["PLAIN"] if args.only_login else None,
        )

    class NotSmtp(asyncio.Protocol):
        def connection_made(self, transport):
            transport.write(args.not_smtp_greeting.encode() + b"\r\n")

    class Silent(asyncio.Protocol):
        pass

    protocol = NotSmtp if args.not_smtp_greeting else Silent if args.no_greeting else factory
    server = await loop.create_server(protocol, "127.0.0.1", 0, ssl=context if args.mode == "implicit" else None)
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


def exit_when_stdin_closes():
    sys.stdin.read()
    os._exit(0)


if __name__ == "__main__":
    os.makedirs(args.spool, exist_ok=True)
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    asyncio.run(main())
