"""``python -m services.intake create-user``: the first operations administrator (and other staff
accounts) without the API, for bootstrapping a fresh deployment."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys

from pydantic import ValidationError

from services.intake.config import load_settings
from services.intake.context import build_service_context
from services.intake.handlers.accounts import create_staff_account
from services.intake.routes.accounts import staff_command
from services.intake.schemas import StaffAccountIn
from shared.api.errors import ApiError


def create_user(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m services.intake create-user",
        description="Create a staff account. The password is read from INTAKE_BOOTSTRAP_PASSWORD, "
        "from standard input with --password-stdin, or prompted for.",
    )
    parser.add_argument("--username", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument(
        "--role",
        default="operations_admin",
        choices=[
            "operations_admin",
            "bureau_staff",
            "district_staff",
            "supervising_unit",
            "department_client",
        ],
    )
    parser.add_argument("--department", default=None)
    parser.add_argument("--district", default=None, help="district staff: district code, e.g. 110108")
    parser.add_argument("--password-stdin", action="store_true")
    args = parser.parse_args(argv)
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = os.environ.get("INTAKE_BOOTSTRAP_PASSWORD") or getpass.getpass("Password: ")
    try:
        body = StaffAccountIn(
            username=args.username,
            password=password,
            name=args.name,
            role=args.role,
            department=args.department,
            district=args.district,
        )
    except ValidationError as e:
        for err in e.errors(include_input=False):
            print(f"{'.'.join(map(str, err['loc'])) or 'input'}: {err['msg']}", file=sys.stderr)
        return 2
    settings = load_settings()

    async def run() -> int:
        ctx = build_service_context(settings)
        try:
            cmd = await staff_command(body, "bootstrap", ctx.runtime.passwords)
            account = await ctx.run(create_staff_account, cmd, actor="bootstrap")
        except ApiError as e:
            print(f"{e.code}: {e.message}", file=sys.stderr)
            return 1
        finally:
            await ctx.close()
        print(f"created {account.role} {account.username} ({account.id})")
        return 0

    return asyncio.run(run())
