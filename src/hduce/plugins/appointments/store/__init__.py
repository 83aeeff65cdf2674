"""All SQL of the appointments plugin, run through `env.db` (it joins the caller's transaction)."""
