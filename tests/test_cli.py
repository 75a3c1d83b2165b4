"""The CLI contract scripts depend on, exercised as a subprocess."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import textwrap

import pytest
import vobject


def test_search_json_shape(run_cli):
    result = run_cli("search", "loule", "--json")
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert {"kind", "id", "title", "score"} <= set(hits[0])
    assert (hits[0]["kind"], hits[0]["id"], hits[0]["title"]) == ("city", "loule", "Loulé")
    assert "Loulé" in result.stdout  # UTF-8, not \u-escaped


def test_search_human_output_fits_80_columns_and_aligns(run_cli):
    result = run_cli("search", "bilbao")
    lines = result.stdout.splitlines()
    assert result.returncode == 0
    assert lines[0].startswith("city     bilbao")
    title_columns = {line.index(" ", 9 + len(line[9:].split(" ")[0])) for line in lines}
    assert len(lines) >= 3 and len(title_columns) >= 1


def test_search_kind_and_limit(run_cli):
    hits = json.loads(run_cli("search", "bilbao", "--kind", "contact", "--limit", "2",
                              "--json").stdout)
    assert len(hits) == 2 and all(h["kind"] == "contact" for h in hits)


def test_nothing_found_exits_1(run_cli):
    result = run_cli("search", "zzzzqqqq")
    assert result.returncode == 1
    assert "nothing matches" in result.stderr and result.stdout == ""


def test_bad_usage_exits_2_without_traceback(run_cli):
    for args in (["search", "x", "--limit", "0"], ["show", "planet", "x"], ["frobnicate"]):
        result = run_cli(*args)
        assert result.returncode == 2, args
        assert "Traceback" not in result.stderr


def test_search_stdin_answers_one_line_per_query(run_cli):
    result = run_cli("search", "--stdin", "--json", "--limit", "3", stdin="loule\nbilboa\n\n")
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert json.loads(lines[0])[0]["id"] == "loule"
    assert json.loads(lines[1])[0]["id"] == "bilbao"


def test_show_takes_kind_and_id_from_search(run_cli):
    hit = json.loads(run_cli("search", "neubert", "--json").stdout)[0]
    result = run_cli("show", hit["kind"], hit["id"], "--json")
    record = json.loads(result.stdout)
    assert record["record"]["name"] == "Martin Neubert"
    assert record["record"]["phones"][0]["raw"] == "+49 371 355 7029"
    assert "warnings" in record and "links" in record


def test_show_human_output_has_the_phone_and_links(run_cli):
    result = run_cli("show", "contact", "loule-city")
    assert result.returncode == 0
    assert "+351 289 400 600" in result.stdout
    assert "Loulé" in result.stdout


def test_show_wraps_long_text_to_80_columns(run_cli):
    result = run_cli("show", "network", "in-focus")
    lines = result.stdout.splitlines()
    assert any("smart specialisation" in line for line in lines)
    assert max(len(line) for line in lines) <= 80


def test_show_unknown_id_exits_1(run_cli):
    result = run_cli("show", "contact", "nobody")
    assert result.returncode == 1
    assert "no contact with the id 'nobody'" in result.stderr


def test_show_and_card_find_the_kind_of_an_id_when_it_is_left_out(run_cli):
    assert run_cli("show", "loule-city").stdout == run_cli("show", "contact", "loule-city").stdout
    card = run_cli("card", "loule-city")
    assert card.returncode == 0
    assert card.stdout == run_cli("card", "contact", "loule-city").stdout
    missing = run_cli("show", "nobody")
    assert missing.returncode == 1 and missing.stdout == ""
    assert "nothing has the id 'nobody'" in missing.stderr


def test_an_id_of_two_kinds_must_be_told_which(run_cli, tmp_path):
    """Ids are unique within a kind only: a city and a network may share one."""
    source = tmp_path / "shared-id.yaml"
    source.write_text("cities:\n  - id: porto\n    name: Porto\n"
                      "networks:\n  - id: porto\n    name: Porto Network\n", encoding="utf-8")
    db = tmp_path / "shared.db"
    assert run_cli("load", str(source), db=db).returncode == 0
    result = run_cli("show", "porto", db=db)
    assert result.returncode == 2 and result.stdout == ""
    assert "the id 'porto' is used by a city and a network" in result.stderr
    assert "`urbact-tui show city porto`" in result.stderr
    assert "Porto Network" in run_cli("show", "network", "porto", db=db).stdout


def test_card_vcard_parses_back(run_cli):
    result = run_cli("card", "contact", "amadora-office")
    card = vobject.readOne(result.stdout)
    assert card.fn.value
    assert "2700-595" in card.adr.value.code
    assert card.tel.value == "+351 21 436 9000 ext. 1801"


def test_card_text_and_json(run_cli):
    text = run_cli("card", "contact", "loule-city", "--format", "text").stdout
    assert text.startswith("City of Loulé\n") and "Tel: +351 289 400 600" in text
    data = json.loads(run_cli("card", "contact", "loule-city", "--format", "json").stdout)
    assert data["phones"][0]["e164"] == "+351289400600"


def test_timeline_json_is_chronological(run_cli):
    meetings = json.loads(run_cli("timeline", "--network", "in-focus", "--json").stdout)
    assert [m["place"] for m in meetings] == ["Ostrava", "Frankfurt", "Torino", "Bordeaux",
                                             "Grenoble", "Bilbao"]
    assert meetings[0]["kind"] == "kick-off" and meetings[-1]["kind"] == "final-event"


def test_timeline_human_output(run_cli):
    result = run_cli("timeline")
    assert result.returncode == 0
    assert "In Focus" in result.stdout and "Sep (year 1?)" in result.stdout


def test_timeline_unknown_network_exits_1(run_cli):
    assert run_cli("timeline", "--network", "nope").returncode == 1


def test_every_command_has_help_with_an_example(run_cli):
    for command in ("load", "search", "show", "card", "timeline"):
        result = run_cli(command, "--help", db=None)
        assert result.returncode == 0 and "example: urbact-tui" in result.stdout, command


def test_version(run_cli):
    result = run_cli("--version", db=None)
    assert result.returncode == 0 and result.stdout.startswith("urbact-tui ")


def test_load_reports_counts_and_is_idempotent(run_cli, tmp_path):
    db = tmp_path / "d.db"
    first = run_cli("load", db=db)
    second = run_cli("load", db=db)
    assert first.returncode == second.returncode == 0
    assert "contacts" in first.stdout and first.stdout.split("\n")[1] == second.stdout.split("\n")[1]


def test_first_use_builds_the_database_from_the_bundled_seed(run_cli, tmp_path):
    db = tmp_path / "fresh" / "directory.db"
    result = run_cli("search", "loule", "--json", db=db)
    assert result.returncode == 0 and db.exists()


def test_environment_variable_chooses_the_database(run_cli, tmp_path):
    db = tmp_path / "env.db"
    result = run_cli("search", "loule", db=None, env={"URBACT_TUI_DB": str(db)})
    assert result.returncode == 0 and db.exists()


def test_search_never_imports_textual(run_cli, seed_db):
    import subprocess
    import sys

    code = ("import sys; from urbact_tui.cli import main; main(['search', 'loule', '--db', %r]);"
            "print('textual' in sys.modules, 'sqlite_utils' in sys.modules)" % str(seed_db))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert out.strip().endswith("False False")


def test_db_option_works_before_the_command_too(run_cli, seed_db):
    result = run_cli("--db", str(seed_db), "search", "loule", "--json", db=None,
                     env={"URBACT_TUI_DB": "/nonexistent/should-not-be-used.db"})
    assert result.returncode == 0 and json.loads(result.stdout)[0]["id"] == "loule"


@pytest.mark.parametrize("exiting", [False, True])
def test_a_load_left_to_the_exit_keeps_its_records_out_of_the_collectors_way(exiting, tmp_path):
    """`cli.run` ends the process right after a load (see `load(exiting=True)`): the
    parsed records are kept, frozen, instead of being freed one by one; any other
    load frees them and freezes nothing."""
    code = textwrap.dedent(f"""
        import gc
        from urbact_tui.directory import loader
        from urbact_tui.paths import bundled_seed
        frozen = gc.get_freeze_count()
        loader.load(bundled_seed(), {str(tmp_path / 'd.db')!r}, exiting={exiting})
        print(gc.get_freeze_count() - frozen, len(loader._LEFT_FOR_EXIT), gc.isenabled())
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    frozen, kept, collecting = out.stdout.split()
    assert collecting == "True"
    if exiting:
        assert int(frozen) > 10_000 and kept == "2"   # the parsed file and its validated items
    else:
        assert (frozen, kept) == ("0", "0")


def test_the_command_delivers_a_loads_output_before_it_ends_at_once(tmp_path):
    """After a load the command ends with `os._exit`: what it printed into a pipe (block
    buffered) must still arrive, and a closed pipe must not turn into an error."""
    db = tmp_path / "d.db"
    command = [sys.executable, "-m", "urbact_tui", "load", "--db", str(db)]
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    whole = subprocess.run(command, capture_output=True, text=True, env=buffered)
    assert whole.returncode == 0 and whole.stdout.startswith("loaded ") and "contacts" in whole.stdout
    cut = subprocess.run(f"{shlex.join(command)} | head -c 1", shell=True, capture_output=True,
                         text=True, env=buffered)
    assert cut.stdout == "l" and "Traceback" not in cut.stderr and "error" not in cut.stderr
