"""The neutral home of the settings and the errors: `claims/` and `store/` both import it, and it imports neither."""
