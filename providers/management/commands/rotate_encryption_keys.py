"""Re-encrypt every stored secret under the first key of FIELD_ENCRYPTION_KEYS."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from providers import secrets


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field under the current (first) key and report counts."

    def handle(self, *args, **options):
        totals = {"rotated": 0, "current": 0, "empty": 0}
        quote = connection.ops.quote_name
        for model, field in secrets.encrypted_fields():
            table, column, pk = model._meta.db_table, field.column, model._meta.pk.column
            counts = {"rotated": 0, "current": 0, "empty": 0}
            # Raw SQL: the field's own read path decrypts, and we want ciphertext in and out.
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SELECT {quote(pk)}, {quote(column)} FROM {quote(table)}")  # noqa: S608
                for row_pk, token in cursor.fetchall():
                    if not token:
                        counts["empty"] += 1
                        continue
                    if secrets.is_current(token):
                        counts["current"] += 1
                        continue
                    try:
                        rotated = secrets.rotate(token)
                    except secrets.DecryptionError as exc:
                        raise CommandError(
                            f"{model.__name__} #{row_pk}.{field.name}: {exc}"
                        ) from None
                    cursor.execute(
                        f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE {quote(pk)} = %s",  # noqa: S608
                        [rotated, row_pk],
                    )
                    counts["rotated"] += 1
            self.stdout.write(
                f"{model._meta.label}.{field.name}: {counts['rotated']} re-encrypted, "
                f"{counts['current']} already current, {counts['empty']} empty"
            )
            for key, value in counts.items():
                totals[key] += value
        self.stdout.write(
            self.style.SUCCESS(
                f"Done: {totals['rotated']} re-encrypted, {totals['current']} already current, "
                f"{totals['empty']} empty."
            )
        )
