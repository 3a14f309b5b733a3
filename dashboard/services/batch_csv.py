"""A batch from CSV, and the example CSV of each vendor.

One row per project: an `account` column (the account's id or label) and the vendor's
field names as columns. An empty cell is a field left out; several choices are separated
by `;`; a yes/no field takes yes, no, true, false, 1 or 0. What a cell says is judged by
the preview, with the same rules as a single create, never here.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable, Iterator

from django.conf import settings

from dashboard.listing.batches import RESULT_COLUMNS, result_rows
from dashboard.models import AccountStatus, Batch, VendorAccount
from dashboard.services.batches import RowInput, resolve_account
from dashboard.services.errors import ServiceError
from dashboard.services.exports import safe_cell
from providers.base import FieldSpec
from providers.registry import get_provider

logger = logging.getLogger(__name__)

CSV_MAX_BYTES = 5 * 1024 * 1024
CHOICE_SEPARATOR = ";"
ACCOUNT_COLUMN = "account"
_YES = {"yes", "true", "1", "on", "y"}
_NO = {"no", "false", "0", "off", "n"}


def rows_from_csv(raw: bytes | str, *, team) -> list[RowInput]:
    """The rows of an uploaded or pasted CSV, or a ServiceError saying what is wrong."""
    text = _text(raw)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise ServiceError("The CSV is empty. Its first line names the columns.")
        columns = _columns(header)
        accounts = list(VendorAccount.objects.filter(team=team))
        rows: list[RowInput] = []
        for values in reader:
            if not any(value.strip() for value in values):
                continue  # a blank line
            if len(rows) >= settings.BATCH_MAX_ROWS:
                raise ServiceError(
                    f"The CSV has more than {settings.BATCH_MAX_ROWS:,} rows, the most one "
                    "batch can hold. Split it into several files."
                )
            if len(values) > len(columns):
                raise ServiceError(
                    f"Line {reader.line_num} has {len(values)} cells but the header names "
                    f"{len(columns)} columns."
                )
            rows.append(_row(dict(zip(columns, values, strict=False)), accounts))
    except csv.Error as exc:
        raise ServiceError(f"Line {reader.line_num} can't be read as CSV: {exc}.") from None
    if not rows:
        raise ServiceError("The CSV has a header but no rows.")
    return rows


def _text(raw: bytes | str) -> str:
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    if len(raw) > CSV_MAX_BYTES:
        raise ServiceError(f"The CSV is larger than {CSV_MAX_BYTES // (1024 * 1024)} MB.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ServiceError(
            "The CSV is not UTF-8 text. Save it as “CSV UTF-8” and upload it again."
        ) from None
    if "\x00" in text:  # no cell can hold one (nor can the database): say where it is
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ServiceError(f"Line {line} of the CSV holds a NUL character; remove it.")
    return text


def _columns(header: list[str]) -> list[str]:
    columns = [name.strip() for name in header]
    if ACCOUNT_COLUMN not in columns:
        raise ServiceError(
            "The CSV's first line must name an “account” column (an account's id or label), "
            "then the vendor's field names. Download an example to start from."
        )
    seen: set[str] = set()
    for position, name in enumerate(columns, start=1):
        if not name:
            raise ServiceError(f"Column {position} of the header has no name.")
        if name in seen:
            raise ServiceError(f"The header names the column “{safe_cell(name)[:60]}” twice.")
        seen.add(name)
    return columns


def _row(cells: dict[str, str], accounts: list[VendorAccount]) -> RowInput:
    given = (cells.pop(ACCOUNT_COLUMN, "") or "").strip()
    account, _ = resolve_account(given, accounts)
    specs = (
        {spec.name: spec for spec in get_provider(account.vendor).project_fields} if account else {}
    )
    fields = {}
    for name, cell in cells.items():
        if cell.strip() == "":
            continue  # left out
        fields[name] = _typed(specs.get(name), cell)
    return RowInput(account=given, fields=fields)


def _typed(spec: FieldSpec | None, cell: str):
    """A cell as the JSON value the field takes; a cell that is neither yes nor no stays
    text, for the preview to refuse in the field's own words."""
    if spec is None:
        return cell
    if spec.kind == "multichoice":
        return [part.strip() for part in cell.split(CHOICE_SEPARATOR) if part.strip()]
    if spec.kind == "checkbox":
        word = cell.strip().lower()
        if word in _YES:
            return True
        if word in _NO:
            return False
    return cell


def example_csv(vendor: str, accounts: Iterable[VendorAccount]) -> str:
    """A CSV to start from: the vendor's columns and two rows, for the team's first
    connected account of that vendor (or a placeholder for its label)."""
    provider = get_provider(vendor)
    usable = [a for a in accounts if a.vendor == vendor and a.status == AccountStatus.ACTIVE]
    account = usable[0].label if usable else f"my {provider.name} account"
    specs = [spec for spec in provider.project_fields if not spec.secret]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([ACCOUNT_COLUMN, *(spec.name for spec in specs)])
    for env in ("dev", "prod"):
        writer.writerow(
            [safe_cell(account), *(safe_cell(_example(spec, provider, env)) for spec in specs)]
        )
    return out.getvalue()


def _example(spec: FieldSpec, provider, env: str) -> str:
    if spec.name == provider.name_field:
        return f"checkout-{env}"
    if spec.kind == "multichoice":
        return CHOICE_SEPARATOR.join(value for value, _ in spec.choices[:2])
    if spec.kind == "checkbox":
        return "yes" if spec.default else "no"
    if spec.default not in (None, ""):
        return str(spec.default)
    if spec.required:
        return spec.placeholder or f"{spec.label} here"
    return ""


RESULTS_CHUNK_ROWS = 1000


def results_csv(batch: Batch, *, site: str = "") -> Iterator[str]:
    """The results CSV, a chunk of rows at a time: every cell made safe for spreadsheets,
    project links made absolute with `site`. A failure mid-way ends the file with a line
    saying so, then breaks the transfer (too late for an error status)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(RESULT_COLUMNS)
    link = RESULT_COLUMNS.index("project_url")
    written = 0
    try:
        for written, values in enumerate(result_rows(batch), start=1):
            if values[link]:
                values[link] = site + values[link]
            writer.writerow([safe_cell(value) for value in values])
            if written % RESULTS_CHUNK_ROWS == 0:
                yield _taken(out)
    except Exception:
        logger.exception("results CSV of batch %s stopped after %s rows", batch.pk, written)
        yield _taken(out) + f"ERROR: the file stopped after {written} rows; it is incomplete.\r\n"
        raise
    yield _taken(out)


def _taken(out: io.StringIO) -> str:
    text = out.getvalue()
    out.seek(0)
    out.truncate()
    return text
