"""Histogram equalisation, the step every film goes through twice: the CDF at the bins' centres,
linearly interpolated, as numpy's own histogram and interp give it."""
import numpy as np
import pytest

from covidxray_desktop.imaging.preprocess import equalise


def _reference(small: np.ndarray, bins: int = 256) -> np.ndarray:
    x = np.asarray(small, np.float64)
    counts, edges = np.histogram(x, bins, range=(x.min(), x.max()))
    cdf = np.cumsum(counts).astype(np.float64)
    cdf = (cdf - cdf[0]) / (cdf[-1] - cdf[0])
    return np.interp(x, (edges[:-1] + edges[1:]) / 2, cdf)


@pytest.mark.parametrize("shape, dtype", [((224, 224), np.float32), ((128, 128), np.float16), ((37, 91), np.float32)])
def test_equalisation_is_the_interpolated_cdf_and_leaves_its_input_alone(shape, dtype):
    rng = np.random.default_rng(3)
    film = (rng.beta(2, 5, shape) * 0.8 + 0.1).astype(dtype)  # a skewed exposure, not filling 0..1
    kept = film.copy()
    out = equalise(film)
    assert out.dtype == np.float32 and out.shape == shape
    assert np.array_equal(film, kept)
    # A pixel on a bin's edge may fall either side in float32 and float64: a count or two of the CDF.
    assert np.max(np.abs(out - _reference(film))) < 5 / film.size + 1e-6
    assert out.min() == 0.0 and np.isclose(out.max(), 1.0)


def test_a_flat_film_equalises_to_black():
    assert not equalise(np.full((16, 16), 0.4, np.float32)).any()
