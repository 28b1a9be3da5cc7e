"""`claims serve`: start the review app."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ._util import db_option, home_option, main


@main.command()
@click.option("--port", default=8501, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@db_option
@home_option
def serve(port, host, db, home):
    """Start the review app (Streamlit) at http://HOST:PORT.

    Example: claims serve --port 8501
    """
    app = Path(__file__).resolve().parents[2] / "app.py"
    if not app.exists():
        raise click.ClickException(f"app.py not found next to the package ({app}); run from a source checkout")
    env = dict(os.environ)
    if db:
        env["CLAIMS_DB"] = db
    if home:
        env["CLAIMS_HOME"] = home
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port),
           "--server.address", host, "--server.headless", "true", "--browser.gatherUsageStats", "false",
           # tables offer no CSV download of their own (not formula-safe): files come from the exporter
           "--client.disableDataExport", "true",
           # no Deploy button: the app is served by the newsroom, not deployed to Streamlit's cloud
           "--client.toolbarMode", "minimal"]
    # Replace this process, so that stopping `claims serve` stops the server too.
    os.execve(sys.executable, cmd, env)

