#!/usr/bin/env python3
"""A real SMTP server on 127.0.0.1 for aivis's integration tests (aiosmtpd, Debian python3-aiosmtpd).

Started by tests/common/smtp.rs; also usable by hand:

    /usr/bin/python3 tests/support/smtp_server.py --port 0 --spool /tmp/spool

Every accepted message is written atomically (temp file, then rename) to SPOOL/<seq>.json:

    {"seq": 1, "mail_from": "...", "rcpt_tos": ["..."], "data": "<raw message>",
     "data_encoding": "latin-1", "auth_user": "name" or null, "tls": true/false}

"data" is the message exactly as received after DATA (dot-unstuffed, CRLF line ends), decoded
as latin-1 so that every byte maps to one code point: encode it as latin-1 to get the bytes back.
Numbering continues after the highest <seq> already in the spool, so a restarted server on the
same spool never overwrites a message.

Prints exactly "READY <port>" on stdout once it listens, then serves until SIGTERM/SIGINT (or,
with --exit-on-stdin-eof, until its stdin closes: the parent test died).
"""

import argparse
import asyncio
import errno
import json
import logging
import os
import re
import signal
import ssl
import sys
import time

EXIT_NO_AIOSMTPD = 3
EXIT_BAD_USAGE = 2
EXIT_CANNOT_LISTEN = 4


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1; 0 picks a free one")
    parser.add_argument("--spool", required=True, help="directory receiving <seq>.json per message")
    parser.add_argument("--tls-cert", help="PEM certificate: offers STARTTLS (or implicit TLS)")
    parser.add_argument("--tls-key", help="PEM private key for --tls-cert")
    parser.add_argument("--require-starttls", action="store_true",
                        help="refuse MAIL (and AUTH) before STARTTLS")
    parser.add_argument("--implicit-tls", action="store_true",
                        help="TLS from the first byte (SMTPS, port 465 style)")
    parser.add_argument("--auth", metavar="USER:PASS",
                        help="require AUTH PLAIN or LOGIN with these credentials")
    parser.add_argument("--temp-fail", type=int, default=0, metavar="N",
                        help="answer the first N messages with 451 at the end of DATA")
    parser.add_argument("--reject", action="store_true",
                        help="answer every message with 550 at the end of DATA")
    parser.add_argument("--exit-on-stdin-eof", action="store_true",
                        help="exit when stdin closes (the parent test process is gone)")
    args = parser.parse_args()
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    if (args.require_starttls or args.implicit_tls) and not args.tls_cert:
        parser.error("--require-starttls and --implicit-tls need --tls-cert and --tls-key")
    if args.require_starttls and args.implicit_tls:
        parser.error("--require-starttls and --implicit-tls exclude each other")
    if args.auth is not None and ":" not in args.auth:
        parser.error("--auth takes USER:PASS")
    return args


def import_aiosmtpd():
    try:
        from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
    except ImportError as error:
        print(
            f"smtp_server.py: cannot import aiosmtpd with {sys.executable} ({error}).\n"
            "Install Debian's package: apt-get install python3-aiosmtpd\n"
            "(it lives in /usr/bin/python3's dist-packages; another python3 on PATH will not "
            "see it: set AIVIS_TEST_PYTHON to an interpreter that can import aiosmtpd)",
            file=sys.stderr,
            flush=True,
        )
        sys.exit(EXIT_NO_AIOSMTPD)
    return SMTP, AuthResult, LoginPassword


class QuietExpectedWarnings(logging.Filter):
    """Drops aiosmtpd 1.4's warnings that this server causes on purpose: its own deprecated
    Session.login_data on every AUTH, and AUTH without STARTTLS (--auth without a certificate,
    or --implicit-tls where the whole connection is TLS)."""

    def filter(self, record):
        message = str(record.msg)
        return not ("login_data is deprecated" in message or "auth_require_tls == False" in message)


class SpoolHandler:
    def __init__(self, spool, temp_fail, reject, implicit_tls, auth):
        self.spool = spool
        self.temp_fail_left = temp_fail
        self.reject = reject
        self.implicit_tls = implicit_tls
        self.auth = auth
        self.seq = max(
            (int(m.group(1)) for m in map(re.compile(r"^(\d+)\.json$").match, os.listdir(spool)) if m),
            default=0,
        )

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        # The 5-argument hook must record the client's name itself (aiosmtpd only does it
        # without a hook). Without --auth the server does not offer AUTH at all, like a relay
        # without SASL, instead of aiosmtpd's default of offering it over TLS and failing it.
        session.host_name = hostname
        if self.auth is None:
            responses = [r for r in responses if not r.startswith("250-AUTH")]
        return responses

    async def handle_DATA(self, server, session, envelope):
        if self.reject:
            return "550 5.7.1 rejected by test policy"
        if self.temp_fail_left > 0:
            self.temp_fail_left -= 1
            return "451 4.3.0 try again later"
        self.seq += 1
        seq = self.seq
        raw = envelope.original_content
        if isinstance(raw, str):  # only with decode_data=True, which this server never sets
            raw = raw.encode("utf-8", errors="surrogateescape")
        record = {
            "seq": seq,
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "data": raw.decode("latin-1"),
            "data_encoding": "latin-1",
            "auth_user": session.auth_data if session.authenticated else None,
            "tls": self.implicit_tls or session.ssl is not None,
        }
        final = os.path.join(self.spool, f"{seq}.json")
        temp = os.path.join(self.spool, f".{seq}.json.tmp")
        with open(temp, "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.replace(temp, final)
        return f"250 2.0.0 OK: queued as {seq}"


def tls_context(cert, key):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def make_authenticator(user, password, AuthResult, LoginPassword):
    def authenticator(server, session, envelope, mechanism, auth_data):
        if (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == user
            and auth_data.password == password
        ):
            # Becomes session.auth_data: the spool's "auth_user".
            return AuthResult(success=True, auth_data=user.decode("utf-8", errors="replace"))
        # handled=False: aiosmtpd answers "535 5.7.8 Authentication credentials invalid".
        return AuthResult(success=False, handled=False)

    return authenticator


async def listen(loop, factory, port, ssl_context):
    # An explicit port is a restart on the same port: give a port still held by a dying
    # process a few seconds.
    deadline = time.monotonic() + (5.0 if port else 0.0)
    while True:
        try:
            return await loop.create_server(
                factory, host="127.0.0.1", port=port, ssl=ssl_context, reuse_address=True
            )
        except OSError as error:
            if error.errno != errno.EADDRINUSE or time.monotonic() >= deadline:
                raise
            await asyncio.sleep(0.05)


def main():
    args = parse_args()
    SMTP, AuthResult, LoginPassword = import_aiosmtpd()

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="smtp_server.py %(levelname)s %(name)s: %(message)s")
    logging.getLogger("mail.log").addFilter(QuietExpectedWarnings())
    # "Requiring AUTH while not requiring TLS" is the point of --auth without a certificate.
    import warnings
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")

    os.makedirs(args.spool, exist_ok=True)
    context = tls_context(args.tls_cert, args.tls_key) if args.tls_cert else None

    auth = None
    if args.auth is not None:
        user, _, password = args.auth.partition(":")
        auth = (user.encode("utf-8"), password.encode("utf-8"))

    handler = SpoolHandler(args.spool, args.temp_fail, args.reject, args.implicit_tls, auth)

    smtp_kwargs = dict(
        hostname="localhost",  # not socket.getfqdn(): no DNS lookup per connection
        ident="aivis test SMTP (aiosmtpd)",
        enable_SMTPUTF8=True,
    )
    if args.implicit_tls:
        # The whole connection is TLS; aiosmtpd's own TLS notion only knows STARTTLS, so it
        # must neither offer STARTTLS nor refuse AUTH for lack of it.
        smtp_kwargs.update(tls_context=None, auth_require_tls=False)
    elif context is not None:
        smtp_kwargs.update(tls_context=context, require_starttls=args.require_starttls,
                           auth_require_tls=True)
    else:
        smtp_kwargs.update(auth_require_tls=False)
    if auth is not None:
        smtp_kwargs.update(
            auth_required=True,
            authenticator=make_authenticator(auth[0], auth[1], AuthResult, LoginPassword),
        )

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    def factory():
        return SMTP(handler, loop=loop, **smtp_kwargs)

    try:
        server = loop.run_until_complete(
            listen(loop, factory, args.port, context if args.implicit_tls else None)
        )
    except OSError as error:
        print(f"smtp_server.py: cannot listen on 127.0.0.1:{args.port}: {error}",
              file=sys.stderr, flush=True)
        sys.exit(EXIT_CANNOT_LISTEN)
    port = server.sockets[0].getsockname()[1]

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, loop.stop)
    if args.exit_on_stdin_eof:
        stdin = sys.stdin.fileno()

        def on_stdin():
            try:
                chunk = os.read(stdin, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                loop.remove_reader(stdin)
                loop.stop()

        loop.add_reader(stdin, on_stdin)

    print(f"READY {port}", flush=True)
    try:
        loop.run_forever()
    finally:
        server.close()  # not wait_closed(): from Python 3.12 on it waits for open sessions
    return 0


if __name__ == "__main__":
    sys.exit(main())
