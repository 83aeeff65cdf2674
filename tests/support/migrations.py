"""Run one migration of `migrations/` again, as an upgrade would run it on older rows."""

import importlib.util

from hduce.core.migrations import migrations_root


async def run_forwards(app: str, migration_id: str) -> None:
    """Run the forwards of `app`'s migration `migration_id` (e.g. `2026-12-08T06:30:00:000000`).

    On the caller's event loop, through Piccolo's engine; it joins a transaction already open on
    that engine (so a test may roll it back). It is not recorded as applied (it already is).
    """
    name = f"{app}_{migration_id.lower().replace('-', '_').replace(':', '_')}"
    path = migrations_root() / app / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"migration_{name}", path)
    assert spec is not None and spec.loader is not None, f"no migration {path}"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    manager = await module.forwards()
    await manager.run()
