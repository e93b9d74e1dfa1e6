"""`sundhedsaftale demo`: load the organisation, population, agreements and demo users.

Idempotent: running it again leaves the same data (unchanged rows are not saved again).
"""

from __future__ import annotations

import importlib
import importlib.util

from django.core.management.base import BaseCommand, CommandParser

from sundhedsaftale.core.demo import POPULATION_FILE, demo_data_load
from sundhedsaftale.core.services import demo_users_ensure
from sundhedsaftale.geography.services import population_import

# Apps that add demo material on top of the organisation and agreements, in this order. Each
# module has `load(*, stdout) -> None`, idempotent, writing through services only.
DEMO_STEPS = (
    "sundhedsaftale.agreements.demo",   # versions, regimes' requirements, approvals
    "sundhedsaftale.hearings.demo",
    "sundhedsaftale.meetings.demo",
    "sundhedsaftale.followup.demo",
    "sundhedsaftale.agreements.annex_demo",   # a demo PDF for every annex
    "sundhedsaftale.responsibilities.demo",   # the responsibility catalogue
)


# Shown under every population table, so in Danish (the portal's language for data notes).
DEMO_POPULATION_SOURCE = ("Demo: totaltal fra Danmarks Statistik, FOLK1A 2023K1, hvor de er "
                          "markeret som ægte; alle fordelinger er syntetiske")


class Command(BaseCommand):
    help = "Load demo data: organisation, population (FOLK1A demo file), agreements, users."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset-passwords", action="store_true",
                            help="Give the demo users new passwords (printed once).")
        parser.add_argument("--no-users", action="store_true", help="Do not create demo users.")

    def handle(self, *args, reset_passwords: bool, no_users: bool, **options) -> None:
        result = demo_data_load()
        for table in sorted(set(result.created) | set(result.updated) | set(result.unchanged)):
            self.stdout.write(f"{table}: {result.created.get(table, 0)} created, "
                              f"{result.updated.get(table, 0)} updated, "
                              f"{result.unchanged.get(table, 0)} unchanged")
        population = population_import(
            path=POPULATION_FILE,
            source=DEMO_POPULATION_SOURCE)
        self.stdout.write(f"population: {population.rows} rows for {population.areas} areas "
                          f"({population.real_rows} real, {population.synthetic_rows} synthetic)")
        for module_name in DEMO_STEPS:
            if importlib.util.find_spec(module_name) is not None:
                importlib.import_module(module_name).load(stdout=self.stdout)
        if no_users:
            return
        for username, password in demo_users_ensure(reset_passwords=reset_passwords):
            if password:
                self.stdout.write(self.style.WARNING(
                    f"user {username} password: {password}  (shown only now)"))
            else:
                self.stdout.write(f"user {username} exists; password unchanged "
                                  f"(--reset-passwords to set a new one)")
