"""Re-encrypt every stored secret under the first key of FIELD_ENCRYPTION_KEYS."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from providers import encryption


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field under the current (first) key and report counts."

    def handle(self, *args, **options):
        totals = {"rotated": 0, "current": 0, "empty": 0}
        quote = connection.ops.quote_name
        for model, field in encryption.encrypted_fields():
            table, column, pk = model._meta.db_table, field.column, model._meta.pk.column
            counts = {"rotated": 0, "current": 0, "empty": 0}
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT {quote(pk)} FROM {quote(table)} ORDER BY 1")  # noqa: S608
                row_pks = [row[0] for row in cursor.fetchall()]
            for row_pk in row_pks:
                counts[self._rotate_row(table, column, pk, row_pk, model, field)] += 1
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

    @staticmethod
    def _rotate_row(table, column, pk, row_pk, model, field) -> str:
        """Lock the row, re-read it, re-encrypt it: a token refreshed meanwhile is never lost."""
        quote = connection.ops.quote_name
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        # Raw SQL: the field's own read path decrypts, and we want ciphertext in and out.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote(column)} FROM {quote(table)} WHERE {quote(pk)} = %s{lock}",  # noqa: S608
                [row_pk],
            )
            row = cursor.fetchone()
            token = row[0] if row else None
            if not token:
                return "empty"
            if encryption.is_current(token):
                return "current"
            try:
                rotated = encryption.rotate(token)
            except encryption.DecryptionError as exc:
                raise CommandError(f"{model.__name__} #{row_pk}.{field.name}: {exc}") from None
            cursor.execute(
                f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE {quote(pk)} = %s",  # noqa: S608
                [rotated, row_pk],
            )
            return "rotated"
