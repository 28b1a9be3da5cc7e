"""Which detector the product loads: the fine-tuned one when its weights are shipped, else the frozen one.
Its own module, so that neither detector module imports the other's loader (no import cycle)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from claims.pipeline import detect_tuned
from claims.pipeline.detect import Detector


def load_detector(path: str | Path | None = None):
    """The detector the product uses: the fine-tuned one (`detector_tuned.npz`) when shipped, else the
    frozen-embedding `Detector` (`detector.npz`). A path loads whichever kind that file holds."""
    if path is None:
        return detect_tuned.TunedDetector.load() if detect_tuned.default_path().is_file() else Detector.load()
    with np.load(path, allow_pickle=False) as z:
        tuned = "layer_from" in z.files
    return detect_tuned.TunedDetector.load(path) if tuned else Detector.load(path)
