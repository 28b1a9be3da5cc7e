"""Use cases, one module each, behind the `Workbench` facade (claims.services.workbench)."""
