"""Which detector the product loads. Its own module, so that no detector module imports another's loader (no
import cycle):

- the shipped default: `GenreDetector`, the distilled student (`detector_student.npz`, a head over the search
  pass's own token states) for articles and the fine-tuned teacher (`detector_tuned.npz`) for transcripts;
- the teacher alone when the student's weights are not there;
- the frozen-embedding `Detector` (`detector.npz`) when neither is.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from claims.pipeline import detect_student, detect_tuned
from claims.pipeline.detect import Detector


def load_detector(path: str | Path | None = None):
    """The detector the product uses (see above). A path loads whichever kind that file holds."""
    if path is None:
        if not detect_tuned.default_path().is_file():
            return Detector.load()
        if detect_student.default_path().is_file():  # the teacher loads on the first transcript
            return detect_student.GenreDetector(detect_student.StudentDetector.load(), detect_tuned.TunedDetector.load)
        return detect_tuned.TunedDetector.load()
    with np.load(path, allow_pickle=False) as z:
        files = set(z.files)
    if "q" in files and "layer_from" in files:
        return detect_student.StudentDetector.load(path)
    return detect_tuned.TunedDetector.load(path) if "layer_from" in files else Detector.load(path)
