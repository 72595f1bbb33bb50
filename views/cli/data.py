"""`import FILE`, `export FILE`, `demo load`, `demo generate`, `demo unload`: thin, they own
the transaction."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_babel import gettext as _

from pledges.archive import ArchiveSettings
from pledges.archiving import unload_demo
from pledges.demo import generate, load_demo
from pledges.errors import DomainError, InvalidImport
from pledges.importing import (
    CSV_COLUMNS,
    KEYWORD_SEPARATOR,
    SHEET_COLUMNS,
    ImportSummary,
    SheetKind,
    import_data,
    import_sheet,
)
from pledges.open_data.dump import dump_published
from views.database import db_session
from views.error_messages import code_message, error_message
from views.import_report import heading, omitted_line, problem_line, summary_lines
from views.labels import site_zone
from views.urls import open_data_url

IMPORT_HELP = f"""Import FILE (JSON in the import format, or a CSV or XLSX sheet) in one go.

\b
JSON: {{"elections": [{{"slug", "name", "territory", "date", "candidates": [...]}}]}}
(the nested format of `export`; see pledges/importing/). Keyed by slugs:
importing the same file twice changes nothing. A pledge's theme is a name or a slug.

\b
CSV or XLSX (a file ending in .csv or .xlsx): one row per pledge of the
election given with --election SLUG. A header row names the columns, in
French or English, any order, case and accents ignored (title required):
  {", ".join(f"{fr}/{en}" for fr, en in SHEET_COLUMNS.values())}
The candidate column holds a name: an existing candidate of the election, or
a new one. Rows without it go to --candidate SLUG. Dates are dd/mm/yyyy or
YYYY-MM-DD; keywords are separated by commas. A CSV is separated by ";" or ","
and is UTF-8 or Windows-1252. The first CSV format is still read:
  {", ".join(CSV_COLUMNS)}
(keyword lists separated by "{KEYWORD_SEPARATOR}", e.g. vidéosurveillance|caméras).

On any problem, prints one line per wrong record and field (the first 100,
then how many more), imports nothing and exits with status 1. Messages are
in the site's first language (LANGUAGES).
"""


# What the file is imported into (a problem with no record) was named by these options.
TARGET_OPTIONS = {"election": "--election", "candidate": "--candidate"}


def _report(error: InvalidImport) -> None:
    """The problems in the site's language, as many lines as the upload page shows."""
    click.echo(heading(error), err=True)
    for problem in error.problems:
        line = problem_line(problem)
        if not problem.record:
            where = TARGET_OPTIONS.get(problem.field, problem.field)
        else:
            where = f"{line.record}, {line.field}" if line.field else line.record
            if not problem.record.startswith(("line ", "header")):
                where = f"{line.record}.{line.field}" if line.field else line.record
        click.echo(f"  {where}: {line.message}", err=True)
    if more := omitted_line(error):
        click.echo(f"  {more}", err=True)


def _summary(summary: ImportSummary) -> None:
    for line in summary_lines(summary):
        click.echo(line)
    if not summary.changed:
        click.echo(_("Rien n'a changé."))


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        message = _("Le fichier n'est pas du texte UTF-8.")
        raise click.ClickException(f"{path}: {message}") from None
    except RecursionError:  # absurdly deep nesting: no import file looks like this
        message = _("JSON invalide (imbrication trop profonde).")
        raise click.ClickException(f"{path}: {message}") from None
    except json.JSONDecodeError as error:
        message = _(
            "JSON invalide (ligne %(line)d, colonne %(col)d).", line=error.lineno, col=error.colno
        )
        raise click.ClickException(f"{path}: {message}") from None


@click.command("import", help=IMPORT_HELP)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--election", "election_slug", help="CSV or XLSX: the election's slug.")
@click.option(
    "--candidate",
    "candidate_slug",
    help="CSV or XLSX: the candidate (slug) of rows without a candidate column.",
)
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["auto", "json", "csv", "xlsx"]),
    default="auto",
    show_default=True,
    help="auto: by FILE's ending (.csv, .xlsx), JSON otherwise.",
)
@with_appcontext
def import_command(
    file: Path, election_slug: str | None, candidate_slug: str | None, file_format: str
) -> None:
    sheet = _sheet_kind(file, file_format)
    if sheet is not None and not election_slug:
        raise click.UsageError(_("Un import CSV ou XLSX demande --election SLUG."))
    session = db_session()
    try:
        if sheet is not None:
            summary = import_sheet(
                session, _read_bytes(file), kind=sheet, election_slug=election_slug or "",
                candidate_slug=candidate_slug or "", actor="import", zone=site_zone(),
            )  # fmt: skip
        else:
            summary = import_data(session, _read_json(file), actor="import", zone=site_zone())
    except InvalidImport as error:
        session.rollback()
        _report(error)
        sys.exit(1)
    except DomainError as error:  # a rule refused a write that validation let through
        session.rollback()
        message = _("Rien n'a été importé : %(reason)s", reason=error_message(error))
        raise click.ClickException(message) from None
    session.commit()
    _summary(summary)


def _sheet_kind(file: Path, file_format: str) -> SheetKind | None:
    """ "csv" or "xlsx" for a spreadsheet (by --format, else by FILE's ending), None for JSON."""
    suffix = file.suffix.lower() if file_format == "auto" else f".{file_format}"
    if suffix == ".csv":
        return "csv"
    if suffix == ".xlsx":
        return "xlsx"
    return None


# A spreadsheet file is refused past this size: a programme is kilobytes.
MAX_SHEET_BYTES = 16 * 1024 * 1024


def _read_bytes(path: Path) -> bytes:
    with path.open("rb") as handle:
        raw = handle.read(MAX_SHEET_BYTES + 1)
    if len(raw) > MAX_SHEET_BYTES:
        message = _("Fichier trop volumineux (%(num)d Mo au plus).", num=MAX_SHEET_BYTES // 2**20)
        raise click.ClickException(f"{path}: {message}")
    return raw


@click.command("export")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@with_appcontext
def export_command(file: str) -> None:
    """Write what the public sees to FILE: every election, candidate and pledge not
    archived, with their published evidence and rulings.

    The import format: `import FILE` on an empty site reproduces them. Archived
    objects, withdrawn evidence's details and accounts are not in it: `backup` keeps
    everything. Use - for standard output.
    """
    # The archived copies' links are built on SITE_URL, as the API's are.
    with current_app.test_request_context("/"):
        data = dump_published(db_session(), urls=open_data_url)
    with click.open_file(file, "w", encoding="utf-8", atomic=file != "-") as out:
        json.dump(data, out, ensure_ascii=False, indent=2)
        out.write("\n")
    if file != "-":
        pledges = sum(len(c["pledges"]) for e in data["elections"] for c in e["candidates"])
        click.echo(
            _(
                "%(elections)s élection(s), %(pledges)s engagement(s) écrits dans %(file)s",
                elections=len(data["elections"]),
                pledges=pledges,
                file=file,
            )
        )


demo = AppGroup("demo", help="Demonstration data: the Marseille set, or a large synthetic set.")


@demo.command("load")
@click.option(
    "--if-empty", is_flag=True, help="Do nothing when the database already has an election."
)
def demo_load(if_empty: bool) -> None:
    """Import the bundled Marseille demonstration data (pledges/data/demo-marseille.json)."""
    session = db_session()
    try:
        summary = load_demo(session, if_empty=if_empty)
    except InvalidImport as error:  # the bundled file is tested; this is a safety net
        session.rollback()
        _report(error)
        sys.exit(1)
    if summary is None:
        click.echo(_("La base contient déjà des données : démonstration non chargée."))
        return
    session.commit()
    _summary(summary)


@demo.command("generate")
@click.option("--candidates", type=click.IntRange(min=1), required=True)
@click.option("--pledges", type=click.IntRange(min=0), required=True, help="Per candidate.")
@click.option("--evidence", type=click.IntRange(min=0), required=True, help="Per pledge.")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same data.")
def demo_generate(candidates: int, pledges: int, evidence: int, seed: int) -> None:
    """Create one fictional election of N candidates × M pledges × K evidence (benchmarks)."""
    session = db_session()
    started = time.perf_counter()
    try:
        counts = generate(
            session, candidates=candidates, pledges=pledges, evidence=evidence, seed=seed
        )
    except DomainError as error:
        session.rollback()
        raise click.ClickException(code_message(error.code)) from None
    session.commit()
    click.echo(
        _(
            "%(candidates)s candidatures, %(pledges)s engagements, %(evidence)s preuves, "
            "%(changes)s décisions en %(seconds)s s",
            candidates=counts.candidates,
            pledges=counts.pledges,
            evidence=counts.evidence,
            changes=counts.status_changes,
            seconds=f"{time.perf_counter() - started:.1f}",
        )
    )


@demo.command("unload")
def demo_unload() -> None:
    """Remove the demonstration data (elections marked demo, and all beneath them); idempotent.

    Other elections, accounts, feeds and the audit log are kept. Prints what was removed.
    """
    from views.admin.archiving import removed_summary

    session = db_session()
    removed = unload_demo(session, actor="cli")
    session.commit()
    removed.remove_files(ArchiveSettings.from_config(current_app.config).archive_dir)
    if removed.total:
        click.echo(
            _("Données de démonstration retirées : %(removed)s.", removed=removed_summary(removed))
        )
    else:
        click.echo(_("Il n'y a pas de données de démonstration."))


def register(app: Flask) -> None:
    app.cli.add_command(import_command)
    app.cli.add_command(export_command)
    app.cli.add_command(demo)
