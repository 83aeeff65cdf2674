"""Every request body keeps the base's control-character check (its `__post_init__` runs)."""

import importlib
import inspect
import pkgutil

import hduce.plugins
from hduce.core.schemas import Input


def _every_input() -> list[type[Input]]:
    """Every `Input` subclass the built-in plugins define."""
    for module in pkgutil.walk_packages(hduce.plugins.__path__, "hduce.plugins."):
        if ".schemas" in module.name or module.name.endswith("schemas"):
            importlib.import_module(module.name)
    found, todo = [], list(Input.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_a_body_with_its_own_post_init_calls_the_bases() -> None:
    bodies = _every_input()
    assert len(bodies) > 20, "the plugins' request bodies were not found"
    own = [cls for cls in bodies if "__post_init__" in vars(cls)]
    assert own, "no body checks more than its fields: the test would not see a missing call"
    skipping = [
        cls.__qualname__
        for cls in own
        if "super().__post_init__()" not in inspect.getsource(vars(cls)["__post_init__"])
    ]
    assert skipping == [], f"these skip the control-character check: {skipping}"
